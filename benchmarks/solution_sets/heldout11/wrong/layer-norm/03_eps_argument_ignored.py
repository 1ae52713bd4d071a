"""WRONG: uses a hard-coded 1e-5 inside the square root instead of the eps argument, so only the non-default-eps
case differs. A good grader should say the eps parameter is ignored (a constant 1e-5 is used).
"""

import torch

EPS = 1e-5


def layer_norm(x: torch.Tensor, eps: float = 1e-5) -> torch.Tensor:
    """x: (..., d) -> (..., d), same dtype as x."""
    mean = x.mean(dim=-1, keepdim=True)
    var = (x - mean).pow(2).mean(dim=-1, keepdim=True)
    return (x - mean) / torch.sqrt(var + EPS)
