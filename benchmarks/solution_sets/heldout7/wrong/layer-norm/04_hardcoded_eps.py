"""
MISTAKE: Ignores the `eps` argument and always uses the constant 1e-5 inside the square root.
EXPECTED DIAGNOSIS: The `eps` parameter is not used: the non-default-eps case comes out as if eps were 1e-5.
"""
import math

import torch

EPS = 1e-5


def layer_norm(x: torch.Tensor, eps: float = 1e-5) -> torch.Tensor:
    mu = torch.mean(x, dim=-1, keepdim=True)
    sigma2 = torch.mean((x - mu) ** 2, dim=-1, keepdim=True)
    return (x - mu) * torch.rsqrt(sigma2 + EPS)
