"""
CORRECT: Accumulates sum and centred sum of squares explicitly in float64, divides by d, and casts back to the input dtype.
"""
import torch


def layer_norm(x: torch.Tensor, eps: float = 1e-5) -> torch.Tensor:
    """x: (..., d) -> (..., d), same dtype as x."""
    d = x.shape[-1]
    x64 = x.to(torch.float64)
    mean = x64.sum(dim=-1, keepdim=True) / d
    c = x64 - mean
    var = (c ** 2).sum(dim=-1, keepdim=True) / d
    y = c / torch.sqrt(var + eps)
    return y.to(x.dtype)
