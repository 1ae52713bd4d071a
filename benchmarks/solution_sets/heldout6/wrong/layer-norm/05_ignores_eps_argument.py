"""
MISTAKE: Hard-codes the constant 1e-5 inside the square root instead of using the eps argument, so calls with a non-default eps give the default-eps result.
EXPECTED DIAGNOSIS: The eps parameter is ignored: use the eps passed in (the non-default-eps case fails, the default ones pass).
"""

import torch

EPS = 1e-5


def layer_norm(x: torch.Tensor, eps: float = 1e-5) -> torch.Tensor:
    """x: (..., d) -> (..., d), same dtype as x."""
    mean = x.mean(dim=-1, keepdim=True)
    var = ((x - mean) ** 2).mean(dim=-1, keepdim=True)
    return (x - mean) / torch.sqrt(var + EPS)
