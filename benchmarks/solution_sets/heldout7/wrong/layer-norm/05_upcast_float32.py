"""
MISTAKE: Converts the input to float32 'for stability' with `x.float()` and never casts back, so a float64 input comes back float32 (and loses precision).
EXPECTED DIAGNOSIS: Dtype not preserved: a float64 input must return float64; drop the `.float()` or cast the result back with `.to(x.dtype)`.
"""
import math

import torch


def layer_norm(x: torch.Tensor, eps: float = 1e-5) -> torch.Tensor:
    h = x.float()  # mixed-precision trick: do the reduction in fp32
    mean = h.mean(-1, keepdim=True)
    var = (h - mean).square().mean(-1, keepdim=True)
    return (h - mean) / (var + eps).sqrt()
