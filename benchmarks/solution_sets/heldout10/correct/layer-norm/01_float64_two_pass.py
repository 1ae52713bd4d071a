"""CORRECT: layer norm over the last dimension, two-pass (mean, then mean of squared deviations,
biased), computed in float64 and cast back to x's dtype; eps inside the square root, no gamma/beta."""

import torch


def layer_norm(x: torch.Tensor, eps: float = 1e-5) -> torch.Tensor:
    """x: (..., d) -> (..., d), same dtype as x."""
    xd = x.double()
    d = xd.shape[-1]
    mean = xd.sum(dim=-1, keepdim=True) / d
    centred = xd - mean
    var = (centred ** 2).sum(dim=-1, keepdim=True) / d
    return (centred / torch.sqrt(var + eps)).to(x.dtype)
