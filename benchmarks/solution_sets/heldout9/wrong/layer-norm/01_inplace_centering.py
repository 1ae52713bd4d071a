"""MISTAKE: centres the input with `x -= mean` (in place), so the caller's tensor is overwritten
    with its centred values; the returned normalised values are right, but the caller's x is
    left holding x - mean.

EXPECTED DIAGNOSIS: Don't modify the argument in place: write `centred = x - mean` so the
    caller's tensor is left untouched.
"""

import math

import torch


def layer_norm(x: torch.Tensor, eps: float = 1e-5) -> torch.Tensor:
    """x: (..., d) -> (..., d), same dtype as x."""
    mean = x.mean(dim=-1, keepdim=True)
    x -= mean
    centred = x
    var = (centred * centred).mean(dim=-1, keepdim=True)
    return centred / torch.sqrt(var + eps)
