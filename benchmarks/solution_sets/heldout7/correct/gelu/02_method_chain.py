"""
CORRECT: Method-chained tanh formula (`x.pow(3).mul(c).add(x)...`) with no in-place edits of x.
"""
import math

import torch


def gelu(x: torch.Tensor) -> torch.Tensor:
    inner = x.pow(3).mul(0.044715).add(x).mul(math.sqrt(2.0 / math.pi))
    return x.mul(0.5).mul(inner.tanh().add(1.0))
