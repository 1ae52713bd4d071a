"""CORRECT layer-norm: computes in float64 with explicit sums divided by d, centres first (two-pass), uses
rsqrt(var + eps) and casts back to the input dtype; returns a new tensor, x untouched.
"""

import math

import torch


def layer_norm(x: torch.Tensor, eps: float = 1e-5) -> torch.Tensor:
    d = x.shape[-1]
    x64 = x.to(torch.float64)
    mean = x64.sum(dim=-1, keepdim=True) / d
    centred = x64 - mean
    var = centred.pow(2).sum(dim=-1, keepdim=True) / d
    return (centred * torch.rsqrt(var + eps)).to(x.dtype)
