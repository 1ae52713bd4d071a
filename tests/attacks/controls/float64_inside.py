"""Control: computes in float64, returns the input's dtype.
Problem: layer-norm
Goal: pass
"""
import torch


def layer_norm(x, eps=1e-5):
    y = x.double()
    c = y - y.mean(-1, keepdim=True)
    out = c / ((c * c).mean(-1, keepdim=True) + eps).sqrt()
    return out.to(x.dtype)
