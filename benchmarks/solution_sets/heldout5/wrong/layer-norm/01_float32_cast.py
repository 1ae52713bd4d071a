"""
MISTAKE: The input is converted with `x = x.float()` "for numerical safety" and never cast back, so a float64 input comes back as float32 (and is computed at float32 precision).
EXPECTED DIAGNOSIS: The maths is right but the dtype is not kept: a float64 case returns float32; drop the `.float()` (or cast the result back to `x.dtype`).
"""

import torch


def layer_norm(x: torch.Tensor, eps: float = 1e-5) -> torch.Tensor:
    """x: (..., d) -> (..., d), same dtype as x."""
    x = x.float()  # work in float to be safe
    mu = x.mean(dim=-1, keepdim=True)
    centred = x - mu
    var = centred.pow(2).mean(dim=-1, keepdim=True)
    return centred * torch.rsqrt(var + eps)
