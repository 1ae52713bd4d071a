"""Adversarial (s25): draws favour the zero-probability tokens

MISTAKE: Exponential race with argmax(E / p) instead of argmin.
"""

import math

import torch
from torch import nn

def sample(probs, generator):
    e = torch.empty(probs.shape, dtype=torch.float64).exponential_(1.0, generator=generator)
    return torch.argmax(e / probs.double(), dim=-1).to(torch.int64)
