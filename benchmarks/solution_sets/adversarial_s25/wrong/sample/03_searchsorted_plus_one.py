"""Adversarial (s25): shifted tokens: 'positions confused with ids?'

MISTAKE: The drawn index is one past (searchsorted + 1, clamped).
"""

import math

import torch
from torch import nn

def sample(probs, generator):
    N, V = probs.shape
    cdf = torch.cumsum(probs.double(), dim=-1)
    u = torch.rand(N, 1, generator=generator, dtype=torch.float64) * cdf[:, -1:]
    return (torch.searchsorted(cdf, u, right=True) + 1).clamp(max=V - 1).reshape(N).to(torch.int64)
