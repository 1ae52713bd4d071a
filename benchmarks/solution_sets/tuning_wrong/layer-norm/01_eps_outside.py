"""layer-norm: a realistic wrong solution (tuning set).

MISTAKE: adds eps to the std, outside the sqrt
EXPECTED DIAGNOSIS: eps outside the square root
KEYWORDS: eps, outside
"""
import torch


def layer_norm(x, eps=1e-5):
    mean = x.mean(dim=-1, keepdim=True)
    centered = x - mean
    var = (centered * centered).mean(dim=-1, keepdim=True)
    return centered / (torch.sqrt(var) + eps)
