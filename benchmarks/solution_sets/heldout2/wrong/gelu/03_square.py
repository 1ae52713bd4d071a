"""MISTAKE: uses x**2 instead of x**3 in the cubic correction
EXPECTED DIAGNOSIS: The correction term is 0.044715 * x**3 (cubic), not x**2.
"""
import math

import torch


SQRT_2_OVER_PI = math.sqrt(2.0 / math.pi)


def gelu(x: torch.Tensor) -> torch.Tensor:
    inner = SQRT_2_OVER_PI * (x + 0.044715 * torch.pow(x, 2))
    return 0.5 * x * (1.0 + torch.tanh(inner))
