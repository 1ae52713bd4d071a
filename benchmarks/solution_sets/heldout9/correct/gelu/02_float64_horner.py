"""CORRECT: evaluates in float64 with a Horner-style inner polynomial x * (1 + 0.044715 x^2), then casts back to x's dtype."""

import math

import torch

_C = math.sqrt(2.0 / math.pi)


def gelu(x: torch.Tensor) -> torch.Tensor:
    """x: any shape -> same shape, same dtype as x."""
    x64 = x.double()
    inner = _C * x64 * (1.0 + 0.044715 * x64 * x64)
    y = 0.5 * x64 * (1.0 + torch.tanh(inner))
    return y.to(x.dtype)
