"""
MISTAKE: Decides between two code paths with x.abs().max(), which raises on an empty tensor (max of an empty tensor is an error).
EXPECTED DIAGNOSIS: Crashes on an empty input: reducing an empty tensor with max() raises; elementwise code needs no global reduction.
"""

import math

import torch


def gelu(x: torch.Tensor) -> torch.Tensor:
    """x: any shape -> same shape, same dtype as x."""
    c = math.sqrt(2.0 / math.pi)
    if x.abs().max() > 1e4:
        # huge values: tanh is saturated there, use the relu limit
        smooth = 0.5 * x * (1 + torch.tanh(c * (x + 0.044715 * x ** 3)))
        relu = torch.where(x > 0, x, torch.zeros_like(x))
        return torch.where(x.abs() > 1e4, relu, smooth)
    return 0.5 * x * (1 + torch.tanh(c * (x + 0.044715 * x ** 3)))
