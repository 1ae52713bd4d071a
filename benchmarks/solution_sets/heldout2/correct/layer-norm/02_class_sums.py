"""CORRECT (callable class, explicit sums and einsum for the variance, computed in float64 and cast back).
"""
import math

import torch


class _Normaliser:
    def __init__(self, eps):
        self.eps = eps

    def __call__(self, x_in):
        x = x_in.to(torch.float64)          # accumulate in float64, hand back the input dtype
        d = x.shape[-1]
        s1 = x.sum(dim=-1, keepdim=True)
        mean = s1 / d
        dev = x - mean
        var = torch.einsum("...i,...i->...", dev, dev).unsqueeze(-1) / d
        return (dev / (var + self.eps).sqrt()).to(x_in.dtype)


def layer_norm(x: torch.Tensor, eps: float = 1e-5) -> torch.Tensor:
    return _Normaliser(eps)(x)
