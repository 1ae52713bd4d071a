"""WRONG: assumes tanh has saturated for |x| >= 3 and returns x there (0 for x <= -3); but GELU(3) = 2.99636 and
GELU(-3) = -0.00364, so values in [-6, 6] beyond |3| are off by ~4e-3. A good grader should say the output is wrong
for |x| >= 3 because of a premature saturation cut-off (returning x / 0 there).
"""

import math

import torch

def gelu(x: torch.Tensor) -> torch.Tensor:
    """x: any shape -> same shape, same dtype as x."""
    c = math.sqrt(2.0 / math.pi)
    mid = 0.5 * x * (1.0 + torch.tanh(c * (x + 0.044715 * x ** 3)))
    out = torch.where(x >= 3.0, x, mid)
    return torch.where(x <= -3.0, torch.zeros_like(x), out)
