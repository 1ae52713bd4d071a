"""MISTAKE: converts the input with `x = x.float()` 'for stability' and never casts back, so a
    float64 input comes back as float32 (and with float32 precision); float32 inputs are
    unaffected.

EXPECTED DIAGNOSIS: Keep the input's dtype: compute in x's own dtype (or cast the result back
    with `.to(x.dtype)`), since float64 must come back float64.
"""

import math

import torch


def layer_norm(x: torch.Tensor, eps: float = 1e-5) -> torch.Tensor:
    """x: (..., d) -> (..., d), same dtype as x."""
    x = x.float()
    mean = x.mean(dim=-1, keepdim=True)
    centred = x - mean
    var = (centred * centred).mean(dim=-1, keepdim=True)
    return centred / torch.sqrt(var + eps)
