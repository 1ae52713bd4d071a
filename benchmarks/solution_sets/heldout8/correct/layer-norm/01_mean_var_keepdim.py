"""CORRECT: straightforward mean/var with keepdim broadcasting"""

import torch


def layer_norm(x: torch.Tensor, eps: float = 1e-5) -> torch.Tensor:
    """x: (..., d) -> (..., d), same dtype as x."""
    # statistics over the feature (last) dimension
    mean = x.mean(dim=-1, keepdim=True)
    centered = x - mean
    var = (centered ** 2).mean(dim=-1, keepdim=True)   # biased variance
    return centered / torch.sqrt(var + eps)
