"""MISTAKE: ignores the eps argument and always uses 1e-5
EXPECTED DIAGNOSIS: Use the eps parameter passed in; a non-default eps (and tiny-variance rows) gives a different result.
"""
import torch

EPS = 1e-5


def layer_norm(x: torch.Tensor, eps: float = 1e-5) -> torch.Tensor:
    mean = x.mean(dim=-1, keepdim=True)
    var = (x - mean).pow(2).mean(dim=-1, keepdim=True)
    return (x - mean) / torch.sqrt(var + EPS)
