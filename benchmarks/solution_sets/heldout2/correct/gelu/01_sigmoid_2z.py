"""CORRECT (x * sigmoid(2z) identity).
"""
import math

import torch


def gelu(x: torch.Tensor) -> torch.Tensor:
    z = math.sqrt(2.0 / math.pi) * (x + 0.044715 * x * x * x)
    return x * torch.sigmoid(2.0 * z)
