"""MISTAKE: multiplies sqrt(2/pi) into x only, not the whole bracket x + 0.044715 x^3
EXPECTED DIAGNOSIS: sqrt(2/pi) must multiply the whole bracket (x + 0.044715*x**3); here the cubic term is left unscaled.
"""
import math

import torch


def gelu(x: torch.Tensor) -> torch.Tensor:
    inner = math.sqrt(2 / math.pi) * x + 0.044715 * x ** 3
    return 0.5 * x * (1 + torch.tanh(inner))
