"""CORRECT: helper computing sums/d in float64 with rsqrt, cast back to input dtype"""

import torch


def _row_stats(x, eps):
    d = x.shape[-1]
    mu = x.sum(dim=-1, keepdim=True) / d
    diff = x - mu
    var = (diff * diff).sum(dim=-1, keepdim=True) / d
    return diff, torch.rsqrt(var + eps)


def layer_norm(x: torch.Tensor, eps: float = 1e-5) -> torch.Tensor:
    """x: (..., d) -> (..., d), same dtype as x."""
    orig_dtype = x.dtype
    xd = x.to(torch.float64)          # do the arithmetic in float64 for safety
    diff, inv_std = _row_stats(xd, eps)
    return (diff * inv_std).to(orig_dtype)
