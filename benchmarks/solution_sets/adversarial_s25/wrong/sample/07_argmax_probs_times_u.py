"""Adversarial (s25): draws sharper than the distribution: the wrong-sign Gumbel reading

MISTAKE: Takes argmax(probs * u) with a uniform u per token (a 'weighted random choice').
"""

import math

import torch
from torch import nn

def sample(probs, generator):
    u = torch.rand(probs.shape, generator=generator, dtype=torch.float64)
    return torch.argmax(probs.double() * u, dim=-1).to(torch.int64)
