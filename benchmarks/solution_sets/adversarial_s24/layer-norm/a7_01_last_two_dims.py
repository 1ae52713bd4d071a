"""
MISTAKE: Normalises over the last two dims (mean and var over (-2, -1)).
"""
import torch

def layer_norm(x, eps=1e-5):
    dims = tuple(range(1, x.dim())) if x.dim() > 1 else (-1,)
    m = x.mean(dims, keepdim=True)
    v = ((x - m) ** 2).mean(dims, keepdim=True)
    return (x - m) / torch.sqrt(v + eps)
