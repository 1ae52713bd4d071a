"""
MISTAKE: eps hard-coded as 1e-6, ignoring the argument (and the default 1e-5).
"""
import torch

def layer_norm(x, eps=1e-5):
    m = x.mean(-1, keepdim=True)
    v = ((x - m) ** 2).mean(-1, keepdim=True)
    return (x - m) / torch.sqrt(v + 1e-6)
