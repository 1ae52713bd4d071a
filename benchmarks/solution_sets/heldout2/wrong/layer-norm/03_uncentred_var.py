"""MISTAKE: variance computed as mean(x**2) of the raw input, without subtracting the mean first
EXPECTED DIAGNOSIS: The variance must be of the centred values (x - mean); mean(x^2) is the second moment, wrong whenever the mean is non-zero.
"""
import math

import torch


def layer_norm(x: torch.Tensor, eps: float = 1e-5) -> torch.Tensor:
    mean = x.mean(dim=-1, keepdim=True)
    centred = x - mean
    var = x.pow(2).mean(dim=-1, keepdim=True)
    return centred / torch.sqrt(var + eps)
