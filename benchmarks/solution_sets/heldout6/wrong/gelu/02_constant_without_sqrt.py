"""
MISTAKE: Uses 2/pi instead of sqrt(2/pi) as the factor in front of the bracket (the square root was dropped when typing the constant).
EXPECTED DIAGNOSIS: Wrong constant: the factor is sqrt(2/pi) ~ 0.79788, not 2/pi ~ 0.63662.
"""

import math

import torch

C = 2.0 / math.pi  # sqrt(2/pi)


def gelu(x: torch.Tensor) -> torch.Tensor:
    """x: any shape -> same shape, same dtype as x."""
    inner = C * (x + 0.044715 * torch.pow(x, 3))
    return 0.5 * x * (1.0 + torch.tanh(inner))
