"""MISTAKE: variance computed as mean(x**2) without subtracting the mean
EXPECTED DIAGNOSIS: The variance must be of the centred values, mean((x-mean)^2) (= E[x^2]-mean^2); using E[x^2] is wrong whenever the mean is not 0 (large-mean inputs show it).
"""
import torch


def layer_norm(x: torch.Tensor, eps: float = 1e-5) -> torch.Tensor:
    d = x.shape[-1]
    mean = x.sum(-1, keepdim=True) / d
    var = (x * x).sum(-1, keepdim=True) / d
    return (x - mean) / (var + eps).sqrt()
