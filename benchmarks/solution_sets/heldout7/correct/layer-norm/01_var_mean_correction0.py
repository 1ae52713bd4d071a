"""
CORRECT: Uses `torch.var_mean(..., correction=0)` and multiplies by `rsqrt`, never touching the input.
"""
import math

import torch


def layer_norm(x: torch.Tensor, eps: float = 1e-5) -> torch.Tensor:
    var, mean = torch.var_mean(x, dim=-1, correction=0, keepdim=True)
    return (x - mean) * torch.rsqrt(var + eps)
