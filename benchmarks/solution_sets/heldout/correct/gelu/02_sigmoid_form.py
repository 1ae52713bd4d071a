"""CORRECT: x * sigmoid(2z), the same function
"""
import math

import torch

_C = math.sqrt(2.0 / math.pi)


def gelu(x: torch.Tensor) -> torch.Tensor:
    z = _C * (x + 0.044715 * torch.pow(x, 3))
    return x * torch.sigmoid(2.0 * z)
