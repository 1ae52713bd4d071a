"""
MISTAKE: Applies sqrt(2/pi) only to the linear term, tanh(sqrt(2/pi) * x + 0.044715 * x**3), instead of to the whole bracket (x + 0.044715 * x**3).
EXPECTED DIAGNOSIS: Bracket/precedence slip: sqrt(2/pi) must multiply the whole (x + 0.044715 x^3), so the cubic coefficient is off by a factor 0.798.
"""

import math

import torch


def gelu(x: torch.Tensor) -> torch.Tensor:
    """x: any shape -> same shape, same dtype as x."""
    k = math.sqrt(2 / math.pi)
    inner = k * x + 0.044715 * x ** 3
    return 0.5 * x * (1 + torch.tanh(inner))
