"""Correct: 0.5*(1+tanh(z)) == sigmoid(2z); the polynomial in Horner form z = x*(c + c*a*x^2)."""
import math

import torch

_C = math.sqrt(2.0 / math.pi)
_CA = _C * 0.044715


def gelu(x: torch.Tensor) -> torch.Tensor:
    two_z = 2.0 * x * (_C + _CA * x * x)
    return x * torch.sigmoid(two_z)
