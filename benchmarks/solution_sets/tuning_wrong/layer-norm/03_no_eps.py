"""layer-norm: a realistic wrong solution (tuning set).

MISTAKE: no eps at all
EXPECTED DIAGNOSIS: eps missing
KEYWORDS: eps, missing
"""
import torch


def layer_norm(x, eps=1e-5):
    mean = x.mean(dim=-1, keepdim=True)
    centered = x - mean
    var = (centered * centered).mean(dim=-1, keepdim=True)
    return centered / torch.sqrt(var)
