"""Adversarial (s25): ranks for ids: a shifted or permuted reading

MISTAKE: Sorts the probabilities descending, draws from their CDF, and returns the rank instead of the token id.
"""

import math

import torch
from torch import nn

def sample(probs, generator):
    N, V = probs.shape
    sorted_p, order = probs.double().sort(dim=-1, descending=True)
    cdf = torch.cumsum(sorted_p, dim=-1)
    u = torch.rand(N, 1, generator=generator, dtype=torch.float64) * cdf[:, -1:]
    return torch.searchsorted(cdf, u, right=True).clamp(max=V - 1).reshape(N).to(torch.int64)
