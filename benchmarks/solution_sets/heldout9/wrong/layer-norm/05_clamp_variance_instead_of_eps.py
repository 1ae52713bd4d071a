"""MISTAKE: guards the division with `torch.sqrt(var.clamp_min(eps))` instead of `sqrt(var +
    eps)`; indistinguishable for rows with variance ~1 and default eps, but rows with tiny
    variance (about eps or below) and a non-default larger eps give clearly different values.

EXPECTED DIAGNOSIS: eps is added to the variance, not used as a floor: `sqrt(var + eps)`
    differs from `sqrt(max(var, eps))` whenever var is comparable to eps.
"""

import math

import torch


def layer_norm(x: torch.Tensor, eps: float = 1e-5) -> torch.Tensor:
    """x: (..., d) -> (..., d), same dtype as x."""
    mean = x.mean(dim=-1, keepdim=True)
    centred = x - mean
    var = (centred * centred).mean(dim=-1, keepdim=True)
    return centred / torch.sqrt(var.clamp_min(eps))
