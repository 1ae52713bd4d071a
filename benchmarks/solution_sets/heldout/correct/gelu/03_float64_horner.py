"""CORRECT: float64 inside, Horner-style inner polynomial, cast back
"""
import math

import torch


def gelu(x: torch.Tensor) -> torch.Tensor:
    xd = x.double()
    inner = math.sqrt(2 / math.pi) * xd * (1.0 + 0.044715 * xd * xd)
    out = 0.5 * xd * (1.0 + inner.tanh())
    return out.to(x.dtype)
