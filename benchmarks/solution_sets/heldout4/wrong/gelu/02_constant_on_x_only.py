"""
MISTAKE: The factor sqrt(2/pi) multiplies only the linear term: tanh(sqrt(2/pi) * x + 0.044715 * x**3) instead of tanh(sqrt(2/pi) * (x + 0.044715 * x**3)).
EXPECTED DIAGNOSIS: Missing brackets: sqrt(2/pi) must multiply the whole (x + 0.044715 x^3), not just x.
"""
import math

import torch

SQRT_2_OVER_PI = math.sqrt(2.0 / math.pi)


def gelu(x: torch.Tensor) -> torch.Tensor:
    """x: any shape -> same shape, same dtype as x."""
    inner = SQRT_2_OVER_PI * x + 0.044715 * torch.pow(x, 3)
    return 0.5 * x * (1.0 + torch.tanh(inner))
