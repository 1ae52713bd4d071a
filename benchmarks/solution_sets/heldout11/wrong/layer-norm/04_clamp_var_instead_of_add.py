"""WRONG: guards the division with sqrt(max(var, eps)) instead of sqrt(var + eps); identical when var >> eps and for
constant rows, but rows with a tiny variance (comparable to eps) come out wrong. A good grader should say eps is used as
a floor (clamp) on the variance rather than added to it.
"""

import torch

def layer_norm(x: torch.Tensor, eps: float = 1e-5) -> torch.Tensor:
    """x: (..., d) -> (..., d), same dtype as x."""
    mean = x.mean(dim=-1, keepdim=True)
    var = (x - mean).pow(2).mean(dim=-1, keepdim=True)
    return (x - mean) / torch.sqrt(var.clamp_min(eps))
