"""
MISTAKE: The epsilon is hard-coded as `1e-5` inside the square root, ignoring the `eps` argument, so any call with a non-default eps is wrong.
EXPECTED DIAGNOSIS: Correct for the default eps only: use the `eps` parameter you are given, not a constant (the non-default-eps case fails).
"""

import torch

EPS = 1e-5


def layer_norm(x: torch.Tensor, eps: float = 1e-5) -> torch.Tensor:
    """x: (..., d) -> (..., d), same dtype as x."""
    d = x.shape[-1]
    mean = x.sum(dim=-1, keepdim=True) / d
    diff = x - mean
    var = (diff * diff).sum(dim=-1, keepdim=True) / d
    return diff / torch.sqrt(var + EPS)
