"""MISTAKE: sqrt(2/pi) multiplies only x, not the whole bracket x + 0.044715 x^3 (missing parentheses)
EXPECTED DIAGNOSIS: sqrt(2/pi) must multiply the whole bracket (x + 0.044715*x**3).
"""
import math

import torch


SQRT_2_OVER_PI = math.sqrt(2.0 / math.pi)


def gelu(x: torch.Tensor) -> torch.Tensor:
    inner = SQRT_2_OVER_PI * x + 0.044715 * torch.pow(x, 3)
    return 0.5 * x * (1.0 + torch.tanh(inner))
