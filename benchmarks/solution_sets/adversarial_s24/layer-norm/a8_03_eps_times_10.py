"""
MISTAKE: eps multiplied by 10 (a 'safer' eps).
"""
import torch

def layer_norm(x, eps=1e-5):
    m = x.mean(-1, keepdim=True)
    v = ((x - m) ** 2).mean(-1, keepdim=True)
    return (x - m) / torch.sqrt(v + 10 * eps)
