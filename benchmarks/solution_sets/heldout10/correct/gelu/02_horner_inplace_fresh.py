"""CORRECT: tanh-approximation GELU with the bracket factored as x * (1 + 0.044715 x^2), built with
in-place ops on a freshly allocated tensor (x itself is never modified); same shape and dtype as x."""

import math

import torch

_C = math.sqrt(2 / math.pi)


def gelu(x: torch.Tensor) -> torch.Tensor:
    """x: any shape -> same shape, same dtype as x."""
    inner = x * x                      # fresh tensor
    inner.mul_(0.044715).add_(1.0).mul_(x).mul_(_C)
    inner.tanh_().add_(1.0).mul_(x).mul_(0.5)
    return inner
