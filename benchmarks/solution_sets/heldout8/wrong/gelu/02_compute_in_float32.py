"""
MISTAKE: Computes everything in float32 (x.float()) and casts back with .to(x.dtype), so float64 inputs only get float32 precision (relative error ~1e-7, above the float64 tolerance).
EXPECTED DIAGNOSIS: Float64 precision is lost: the computation is done in float32 and cast back; compute in the input's own dtype.
"""

import math

import torch


def gelu(x: torch.Tensor) -> torch.Tensor:
    """x: any shape -> same shape, same dtype as x."""
    xf = x.float()                      # tanh is fastest in float32
    inner = math.sqrt(2.0 / math.pi) * (xf + 0.044715 * xf ** 3)
    y = 0.5 * xf * (1.0 + torch.tanh(inner))
    return y.to(x.dtype)
