"""MISTAKE: mean and variance taken over the whole tensor (no dim) instead of per vector
EXPECTED DIAGNOSIS: Each vector is normalised with its own mean and variance over the last dimension; global statistics are wrong.
"""
import math

import torch


def layer_norm(x: torch.Tensor, eps: float = 1e-5) -> torch.Tensor:
    mean = x.mean()
    centred = x - mean
    var = centred.pow(2).mean()
    return centred / torch.sqrt(var + eps)
