"""MISTAKE: takes mean and variance over the whole tensor instead of per vector
EXPECTED DIAGNOSIS: Statistics must be per row (over the last dim with keepdim); x.mean()/x.var() pools every element of every row.
"""
import torch


def layer_norm(x: torch.Tensor, eps: float = 1e-5) -> torch.Tensor:
    mu = x.mean()
    sigma2 = ((x - mu) ** 2).mean()
    return (x - mu) / torch.sqrt(sigma2 + eps)
