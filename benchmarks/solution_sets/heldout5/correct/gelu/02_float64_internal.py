"""
CORRECT: Evaluates the tanh formula in float64 (so x**3 cannot overflow for |x| = 1e13) and casts back to the input dtype.
"""

import math

import torch


def gelu(x: torch.Tensor) -> torch.Tensor:
    """x: any shape -> same shape, same dtype as x."""
    xd = x.double()
    inner = (2.0 / math.pi) ** 0.5 * (xd + 0.044715 * xd.pow(3))
    out = xd * 0.5 * (inner.tanh() + 1.0)
    return out.to(dtype=x.dtype)
