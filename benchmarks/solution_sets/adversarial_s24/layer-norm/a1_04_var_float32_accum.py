"""
MISTAKE: the variance is accumulated in float32 (a .float() for 'speed'), then cast back.
"""
import torch

def layer_norm(x, eps=1e-5):
    m = x.mean(-1, keepdim=True)
    v = ((x - m).float() ** 2).mean(-1, keepdim=True).to(x.dtype)
    return (x - m) / torch.sqrt(v + eps)
