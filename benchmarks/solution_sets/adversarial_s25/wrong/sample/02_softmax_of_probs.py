"""Adversarial (s25): flatter draws, zeros drawn: a temperature or 'uniform' reading

MISTAKE: Treats probs as logits: draws from softmax(probs).
"""

import math

import torch
from torch import nn

def sample(probs, generator):
    N, V = probs.shape
    cdf = torch.cumsum(torch.softmax(probs.double(), dim=-1), dim=-1)
    u = torch.rand(N, 1, generator=generator, dtype=torch.float64) * cdf[:, -1:]
    return torch.searchsorted(cdf, u, right=True).clamp(max=V - 1).reshape(N).to(torch.int64)
