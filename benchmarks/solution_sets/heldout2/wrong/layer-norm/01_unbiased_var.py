"""MISTAKE: uses torch.var's default unbiased (n-1) variance instead of the population variance
EXPECTED DIAGNOSIS: Layer norm uses the biased variance (divide by d): pass unbiased=False / correction=0.
"""
import math

import torch


def layer_norm(x: torch.Tensor, eps: float = 1e-5) -> torch.Tensor:
    mean = x.mean(dim=-1, keepdim=True)
    centred = x - mean
    var = x.var(dim=-1, keepdim=True)
    return centred / torch.sqrt(var + eps)
