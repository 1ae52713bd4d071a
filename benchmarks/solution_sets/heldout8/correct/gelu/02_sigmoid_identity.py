"""CORRECT: sigmoid(2z) identity, cube written as x*x*x"""

import math

import torch


def gelu(x: torch.Tensor) -> torch.Tensor:
    """x: any shape -> same shape, same dtype as x."""
    # 0.5 * (1 + tanh(z)) == sigmoid(2 z), so GELU = x * sigmoid(2 z)
    c = math.sqrt(2 / math.pi)
    z = c * (x + 0.044715 * x * x * x)
    return x * torch.sigmoid(2.0 * z)
