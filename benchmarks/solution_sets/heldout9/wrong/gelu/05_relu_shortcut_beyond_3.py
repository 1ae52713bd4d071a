"""MISTAKE: short-cuts `torch.where(|x| > 3, relu(x), formula)` to 'avoid overflow'; GELU is not
    yet saturated at 3 (GELU(3) = 2.99636, GELU(-3.5) ~ -6e-4), so values with 3 < |x| < ~6
    are off by up to ~4e-3.

EXPECTED DIAGNOSIS: Only saturate where the formula really saturates (or not at all:
    torch.tanh already handles huge arguments); at |x| = 3-6 GELU still differs from ReLU.
"""

import math

import torch


def gelu(x: torch.Tensor) -> torch.Tensor:
    """x: any shape -> same shape, same dtype as x."""
    c = math.sqrt(2.0 / math.pi)
    inner = c * (x + 0.044715 * x ** 3)
    smooth = 0.5 * x * (1.0 + torch.tanh(inner))
    return torch.where(x.abs() > 3.0, torch.relu(x), smooth)
