"""
CORRECT: Computes mean and population variance with explicit sums divided by d (shape-generic via `x.shape[-1]`).
"""
import math

import torch


def layer_norm(x: torch.Tensor, eps: float = 1e-5) -> torch.Tensor:
    d = x.shape[-1]
    centred = x - x.sum(dim=-1, keepdim=True) / d
    var = (centred * centred).sum(dim=-1, keepdim=True) / d
    return centred / torch.sqrt(var + eps)
