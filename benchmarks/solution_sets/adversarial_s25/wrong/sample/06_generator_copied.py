"""Adversarial (s25): state: the generator never advances; a reproducibility reading

MISTAKE: Draws from a copy of the generator (its state copied in, never advanced): every call with the same generator object repeats its draws.
"""

import math

import torch
from torch import nn

def sample(probs, generator):
    g = torch.Generator()
    g.set_state(generator.get_state())
    N, V = probs.shape
    cdf = torch.cumsum(probs.double(), dim=-1)
    u = torch.rand(N, 1, generator=g, dtype=torch.float64) * cdf[:, -1:]
    return torch.searchsorted(cdf, u, right=True).clamp(max=V - 1).reshape(N).to(torch.int64)
