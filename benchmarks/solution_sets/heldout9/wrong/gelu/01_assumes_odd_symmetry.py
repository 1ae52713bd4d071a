"""MISTAKE: computes GELU on |x| and restores the sign (`sign(x) * gelu(|x|)`), as if GELU were
    an odd function like tanh; positive inputs are right, every negative input gets -GELU(|x|)
    (e.g. -0.841 instead of -0.159 at x = -1).

EXPECTED DIAGNOSIS: GELU is not odd (GELU(-x) = GELU(x) - x); apply the formula directly to x,
    negative values included.
"""

import math

import torch


def gelu(x: torch.Tensor) -> torch.Tensor:
    """x: any shape -> same shape, same dtype as x."""
    c = math.sqrt(2.0 / math.pi)
    a = x.abs()
    inner = c * (a + 0.044715 * a ** 3)
    return torch.sign(x) * (0.5 * a * (1.0 + torch.tanh(inner)))
