"""MISTAKE: normalises over the first dimension (dim=0, across the batch) instead of the last
EXPECTED DIAGNOSIS: Statistics must be taken over the last dimension (each feature vector), not across rows/batch.
"""
import math

import torch


def layer_norm(x: torch.Tensor, eps: float = 1e-5) -> torch.Tensor:
    mean = x.mean(dim=0, keepdim=True)
    centred = x - mean
    var = centred.pow(2).mean(dim=0, keepdim=True)
    return centred / torch.sqrt(var + eps)
