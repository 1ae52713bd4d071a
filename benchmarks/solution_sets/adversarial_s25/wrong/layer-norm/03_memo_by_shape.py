"""Adversarial (s25): state kept between calls: a property trial may be read as a formula

MISTAKE: Caches the output by input shape (a 'memo' for repeated calls): a second call with the same shape returns the first call's result.
"""

import math

import torch
from torch import nn

_memo = {}

def layer_norm(x, eps=1e-5):
    key = (tuple(x.shape), x.dtype)
    if key in _memo:
        return _memo[key].clone()
    mean = x.mean(dim=-1, keepdim=True)
    var = ((x - mean) ** 2).mean(dim=-1, keepdim=True)
    out = (x - mean) / torch.sqrt(var + eps)
    _memo[key] = out
    return out.clone()
