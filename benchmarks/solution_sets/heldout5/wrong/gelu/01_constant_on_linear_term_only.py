"""
MISTAKE: The constant sqrt(2/pi) multiplies only `x`, not the whole bracket: the tanh argument is `sqrt(2/pi)*x + 0.044715*x**3` instead of `sqrt(2/pi)*(x + 0.044715*x**3)`.
EXPECTED DIAGNOSIS: Wrong tanh argument: sqrt(2/pi) must multiply the whole bracket `(x + 0.044715 * x**3)`; here the cubic term is left unscaled (a bracketing slip).
"""

import math

import torch


def gelu(x: torch.Tensor) -> torch.Tensor:
    """x: any shape -> same shape, same dtype as x."""
    c = math.sqrt(2.0 / math.pi)
    inner = c * x + 0.044715 * torch.pow(x, 3)
    return 0.5 * x * (1.0 + torch.tanh(inner))
