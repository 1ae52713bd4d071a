"""CORRECT: computes the tanh-GELU in float64 on a fresh copy (in-place ops on that copy only) and casts back
to the input dtype; x itself is never modified.
"""

import math

import torch

def gelu(x: torch.Tensor) -> torch.Tensor:
    """x: any shape -> same shape, same dtype as x."""
    y = x.to(torch.float64).clone()
    inner = y.pow(3).mul_(0.044715).add_(y).mul_(math.sqrt(2.0 / math.pi))
    inner.tanh_().add_(1.0).mul_(0.5)
    return (y * inner).to(x.dtype)
