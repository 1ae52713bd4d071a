"""MISTAKE: drops the leading 0.5 factor
EXPECTED DIAGNOSIS: GELU is 0.5 * x * (1 + tanh(...)); without 0.5 the output is doubled (large x gives 2x instead of x).
"""
import math

import torch


def gelu(x: torch.Tensor) -> torch.Tensor:
    return x * (1 + torch.tanh(math.sqrt(2 / math.pi) * (x + 0.044715 * x ** 3)))
