"""CORRECT: two-pass mean/variance computed with explicit sums divided by d in float64, result cast back to x.dtype.
"""

import torch

def layer_norm(x: torch.Tensor, eps: float = 1e-5) -> torch.Tensor:
    """x: (..., d) -> (..., d), same dtype as x."""
    d = x.shape[-1]
    y = x.to(torch.float64)
    mean = y.sum(dim=-1, keepdim=True) / d
    dev = y - mean
    var = dev.pow(2).sum(dim=-1, keepdim=True) / d
    return (dev / (var + eps) ** 0.5).to(x.dtype)
