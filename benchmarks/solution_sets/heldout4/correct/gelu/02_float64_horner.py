"""
CORRECT: Computes in float64 with the cubic written as x * (1 + 0.044715 x^2) and torch.tanh, then casts back to the input dtype.
"""
import math

import torch

_C = math.sqrt(2.0 / math.pi)


def gelu(x: torch.Tensor) -> torch.Tensor:
    """x: any shape -> same shape, same dtype as x."""
    xd = x.double()
    inner = _C * xd * (1.0 + 0.044715 * xd * xd)
    out = xd * 0.5 * (torch.tanh(inner) + 1.0)
    return out.to(dtype=x.dtype)
