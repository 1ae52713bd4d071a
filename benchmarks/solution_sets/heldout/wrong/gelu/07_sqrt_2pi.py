"""MISTAKE: uses sqrt(2*pi) instead of sqrt(2/pi) as the constant
EXPECTED DIAGNOSIS: The scale inside tanh is sqrt(2/pi) ~ 0.798, not sqrt(2*pi) ~ 2.507; the curve is far too steep.
"""
import math

import torch

SQRT_2PI = math.sqrt(2 * math.pi)


def gelu(x: torch.Tensor) -> torch.Tensor:
    return 0.5 * x * (1 + torch.tanh(SQRT_2PI * (x + 0.044715 * x ** 3)))
