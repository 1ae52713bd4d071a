"""
CORRECT: Explicit sum / d formulas computed in float64 (two-pass: mean, then mean of squared deviations), cast back to the input dtype at the end.
"""

import torch


def layer_norm(x: torch.Tensor, eps: float = 1e-5) -> torch.Tensor:
    """x: (..., d) -> (..., d), same dtype as x."""
    d = x.shape[-1]
    xd = x.to(torch.float64)
    mean = xd.sum(dim=-1, keepdim=True) / d
    dev = xd - mean
    var = (dev * dev).sum(dim=-1, keepdim=True) / d
    out = dev / torch.sqrt(var + eps)
    return out.to(x.dtype)
