"""MISTAKE: constant written as sqrt(pi/2) instead of sqrt(2/pi)
EXPECTED DIAGNOSIS: Wrong constant: it is sqrt(2/pi) ~ 0.79788, not sqrt(pi/2) ~ 1.2533.
"""
import math

import torch


SQRT_2_OVER_PI = math.sqrt(math.pi / 2.0)


def gelu(x: torch.Tensor) -> torch.Tensor:
    inner = SQRT_2_OVER_PI * (x + 0.044715 * torch.pow(x, 3))
    return 0.5 * x * (1.0 + torch.tanh(inner))
