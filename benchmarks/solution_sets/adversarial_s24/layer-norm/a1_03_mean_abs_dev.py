"""
MISTAKE: divides by the mean absolute deviation instead of the standard deviation.
"""
import torch

def layer_norm(x, eps=1e-5):
    m = x.mean(-1, keepdim=True)
    c = x - m
    return c / (c.abs().mean(-1, keepdim=True) + eps)
