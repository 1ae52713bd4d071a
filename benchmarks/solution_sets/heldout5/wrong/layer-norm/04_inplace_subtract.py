"""
MISTAKE: The mean is subtracted in place (`x.sub_(mean)`), so the caller's input tensor is modified (the returned values are right).
EXPECTED DIAGNOSIS: The output is correct but the input `x` was changed in place; build a new tensor (`x - mean`) instead of `x -= mean` / `x.sub_(mean)`.
"""

import torch


def layer_norm(x: torch.Tensor, eps: float = 1e-5) -> torch.Tensor:
    """x: (..., d) -> (..., d), same dtype as x."""
    mean = x.mean(-1, keepdim=True)
    x.sub_(mean)                     # centre (saves a copy)
    var = x.square().mean(-1, keepdim=True)
    return x / (var + eps).sqrt()
