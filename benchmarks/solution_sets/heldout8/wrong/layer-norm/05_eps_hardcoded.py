"""
MISTAKE: Ignores the eps argument and always uses the literal 1e-5, so a non-default eps gives wrong values (visible on low-variance rows).
EXPECTED DIAGNOSIS: The eps parameter is not used: the constant 1e-5 is hard-coded inside sqrt(var + 1e-5); use the eps argument.
"""

import torch


def _row_stats(x, eps=1e-5):
    d = x.shape[-1]
    mu = x.sum(dim=-1, keepdim=True) / d
    diff = x - mu
    var = (diff * diff).sum(dim=-1, keepdim=True) / d
    return diff, torch.rsqrt(var + 1e-5)


def layer_norm(x: torch.Tensor, eps: float = 1e-5) -> torch.Tensor:
    """x: (..., d) -> (..., d), same dtype as x."""
    orig_dtype = x.dtype
    xd = x.to(torch.float64)          # do the arithmetic in float64 for safety
    diff, inv_std = _row_stats(xd)
    return (diff * inv_std).to(orig_dtype)
