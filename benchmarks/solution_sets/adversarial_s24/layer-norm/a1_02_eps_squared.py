"""
MISTAKE: eps squared inside the root: sqrt(var + eps**2).
"""
import torch

def layer_norm(x, eps=1e-5):
    m = x.mean(-1, keepdim=True)
    v = ((x - m) ** 2).mean(-1, keepdim=True)
    return (x - m) / torch.sqrt(v + eps * eps)
