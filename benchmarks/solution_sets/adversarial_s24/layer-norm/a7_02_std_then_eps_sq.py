"""
MISTAKE: Divides by sqrt(var) * (1 + eps) (eps as a relative safety margin).
"""
import torch

def layer_norm(x, eps=1e-5):
    m = x.mean(-1, keepdim=True)
    v = ((x - m) ** 2).mean(-1, keepdim=True)
    return (x - m) / (torch.sqrt(v) * (1 + eps))
