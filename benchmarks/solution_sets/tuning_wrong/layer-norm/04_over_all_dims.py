"""layer-norm: a realistic wrong solution (tuning set).

MISTAKE: mean over every element, not per row
EXPECTED DIAGNOSIS: mean not over the last axis
KEYWORDS: mean | last axis | other rows
"""
import torch


def layer_norm(x, eps=1e-5):
    mean = x.mean()
    centered = x - mean
    var = (centered * centered).mean(dim=-1, keepdim=True)
    return centered / torch.sqrt(var + eps)
