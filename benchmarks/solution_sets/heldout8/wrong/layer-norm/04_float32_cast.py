"""
MISTAKE: Casts the input to float32 (x.float()) to compute, and never casts back, so a float64 input returns float32 (and loses precision).
EXPECTED DIAGNOSIS: Output dtype is wrong for float64 inputs: the result must keep x's dtype (cast back or do not cast to float32).
"""

import torch


def layer_norm(x: torch.Tensor, eps: float = 1e-5) -> torch.Tensor:
    """x: (..., d) -> (..., d), same dtype as x."""
    # statistics over the feature (last) dimension
    x = x.float()  # work in float32
    mean = x.mean(dim=-1, keepdim=True)
    centered = x - mean
    var = (centered ** 2).mean(dim=-1, keepdim=True)   # biased variance
    return centered / torch.sqrt(var + eps)
