"""MISTAKE: computes the mean and variance as `sum(dim=-1) / x.shape[0]`, dividing by the size of
    the first dimension instead of the last (d); right only for 1-D inputs or when shape[0]
    happens to equal d, wrong for any (N, d) with N != d.

EXPECTED DIAGNOSIS: The average is over the last dimension, so divide the sums by
    `x.shape[-1]` (or just use `.mean(dim=-1)`), not by `x.shape[0]`.
"""

import math

import torch


def layer_norm(x: torch.Tensor, eps: float = 1e-5) -> torch.Tensor:
    """x: (..., d) -> (..., d), same dtype as x."""
    mean = x.sum(dim=-1, keepdim=True) / x.shape[0]
    centred = x - mean
    var = (centred * centred).sum(dim=-1, keepdim=True) / x.shape[0]
    return centred / torch.sqrt(var + eps)
