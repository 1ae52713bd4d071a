"""MISTAKE: divides by (var + eps) instead of sqrt(var + eps)
EXPECTED DIAGNOSIS: Divide by the standard deviation sqrt(var + eps), not by the variance.
"""
import math

import torch


def layer_norm(x: torch.Tensor, eps: float = 1e-5) -> torch.Tensor:
    mean = x.mean(dim=-1, keepdim=True)
    centred = x - mean
    var = centred.pow(2).mean(dim=-1, keepdim=True)
    return centred / (var + eps)
