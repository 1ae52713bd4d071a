"""CORRECT: computes in float64 with explicit sums, casts back
"""
import torch


def layer_norm(x: torch.Tensor, eps: float = 1e-5) -> torch.Tensor:
    orig_dtype = x.dtype
    z = x.to(torch.float64)
    d = z.shape[-1]
    mu = z.sum(dim=-1, keepdim=True) / d
    centred = z - mu
    var = (centred * centred).sum(dim=-1, keepdim=True) / d
    y = centred / (var + eps).sqrt()
    return y.to(orig_dtype)
