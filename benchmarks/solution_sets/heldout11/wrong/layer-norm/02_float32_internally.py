"""WRONG: does the arithmetic on x.float() and casts back, so float64 inputs come back float64 but with float32
precision (~1e-7 relative error vs the 1e-8 tolerance). A good grader should say the float64 case loses precision (computed in float32).
"""

import torch

def layer_norm(x: torch.Tensor, eps: float = 1e-5) -> torch.Tensor:
    """x: (..., d) -> (..., d), same dtype as x."""
    xf = x.float()
    mean = xf.mean(dim=-1, keepdim=True)
    var = (xf - mean).pow(2).mean(dim=-1, keepdim=True)
    return ((xf - mean) / torch.sqrt(var + eps)).to(x.dtype)
