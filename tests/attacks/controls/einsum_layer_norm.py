"""Control: layer norm with einsum for the reductions.
Problem: layer-norm
Goal: pass
"""
import torch


def layer_norm(x, eps=1e-5):
    d = x.shape[-1]
    ones = torch.ones(d, dtype=x.dtype) / d
    mean = torch.einsum("...d,d->...", x, ones).unsqueeze(-1)
    c = x - mean
    var = torch.einsum("...d,...d->...", c, c).unsqueeze(-1) / d
    return c / torch.sqrt(var + eps)
