"""CORRECT (Horner form with in-place ops on a fresh temporary, behind a thin wrapper).
"""
import math

import torch


_C = (2.0 / math.pi) ** 0.5


def _tanh_gelu(x, c, a):
    t = x * x
    t.mul_(a).add_(1.0).mul_(x).mul_(c)   # c * x * (1 + a x^2), on a fresh temporary
    t.tanh_().add_(1.0).mul_(x).mul_(0.5)
    return t


def gelu(x: torch.Tensor) -> torch.Tensor:
    return _tanh_gelu(x, _C, 0.044715)
