"""
MISTAKE: Short-cuts the saturated regions too early: returns x for x > 3 and 0 for x < -3, but for 3 < |x| < ~4.5 the tanh GELU still differs from x / 0 by more than the tolerance (3.6e-3 at |x| = 3).
EXPECTED DIAGNOSIS: The large-|x| shortcut threshold (3) is too small: GELU(3) = 2.99636, not 3; use the formula everywhere (torch.tanh saturates by itself).
"""

import math

import torch

SQRT_2_OVER_PI = math.sqrt(2.0 / math.pi)


def gelu(x: torch.Tensor) -> torch.Tensor:
    """x: any shape -> same shape, same dtype as x."""
    inner = SQRT_2_OVER_PI * (x + 0.044715 * torch.pow(x, 3))
    y = 0.5 * x * (1.0 + torch.tanh(inner))
    # saturated tails: GELU(x) = x for large x, 0 for very negative x
    y = torch.where(x > 3.0, x, y)
    y = torch.where(x < -3.0, torch.zeros_like(x), y)
    return y
