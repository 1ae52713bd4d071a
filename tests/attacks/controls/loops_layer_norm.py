"""Control: layer norm with plain Python loops over rows (slow but legitimate).
Problem: layer-norm
Goal: pass
"""
import math

import torch


def layer_norm(x, eps=1e-5):
    flat = x.reshape(-1, x.shape[-1])
    out = torch.empty_like(flat)
    for i in range(flat.shape[0]):
        row = flat[i]
        mean = row.mean()
        var = ((row - mean) ** 2).mean()
        out[i] = (row - mean) / torch.sqrt(var + eps)
    return out.reshape(x.shape)
