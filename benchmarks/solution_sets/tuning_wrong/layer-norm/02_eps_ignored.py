"""layer-norm: a realistic wrong solution (tuning set).

MISTAKE: hard-codes 1e-5, ignoring the eps argument
EXPECTED DIAGNOSIS: eps argument ignored
KEYWORDS: eps, ignored
"""
import torch


def layer_norm(x, eps=1e-5):
    mean = x.mean(dim=-1, keepdim=True)
    centered = x - mean
    var = (centered * centered).mean(dim=-1, keepdim=True)
    return centered / torch.sqrt(var + 1e-5)
