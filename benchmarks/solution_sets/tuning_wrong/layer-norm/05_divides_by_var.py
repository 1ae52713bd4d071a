"""layer-norm: a realistic wrong solution (tuning set).

MISTAKE: divides by var + eps without the sqrt
EXPECTED DIAGNOSIS: not divided by the standard deviation
KEYWORDS: standard deviation | sqrt
"""
import torch


def layer_norm(x, eps=1e-5):
    mean = x.mean(dim=-1, keepdim=True)
    centered = x - mean
    var = (centered * centered).mean(dim=-1, keepdim=True)
    return centered / (var + eps)
