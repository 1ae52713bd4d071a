"""MISTAKE: reshapes the input to `(x.shape[0], -1)` and normalises each of those rows, i.e. over
    every dimension except the first instead of over the last one only; right for 2-D inputs,
    wrong for 3-D/4-D inputs (normalises over T*d) and for a 1-D vector (each element becomes
    its own row -> all zeros).

EXPECTED DIAGNOSIS: Layer norm is over the last dimension only: use `mean(dim=-1,
    keepdim=True)` directly instead of flattening everything after the first dimension.
"""

import math

import torch


def layer_norm(x: torch.Tensor, eps: float = 1e-5) -> torch.Tensor:
    """x: (..., d) -> (..., d), same dtype as x."""
    flat = x.reshape(x.shape[0], -1)
    mean = flat.mean(dim=-1, keepdim=True)
    centred = flat - mean
    var = (centred * centred).mean(dim=-1, keepdim=True)
    return (centred / torch.sqrt(var + eps)).reshape(x.shape)
