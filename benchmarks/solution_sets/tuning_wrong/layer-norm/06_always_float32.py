"""layer-norm: a realistic wrong solution (tuning set).

MISTAKE: computes and returns float32 whatever the input
EXPECTED DIAGNOSIS: dtype not kept
KEYWORDS: dtype
"""
import torch


def layer_norm(x, eps=1e-5):
    x = x.float()
    mean = x.mean(dim=-1, keepdim=True)
    centered = x - mean
    var = (centered * centered).mean(dim=-1, keepdim=True)
    return centered / torch.sqrt(var + eps)
