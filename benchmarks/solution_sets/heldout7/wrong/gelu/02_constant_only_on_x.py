"""
MISTAKE: Multiplies only the linear term by sqrt(2/pi): `tanh(sqrt(2/pi)*x + 0.044715*x**3)` instead of `sqrt(2/pi)*(x + 0.044715*x**3)`.
EXPECTED DIAGNOSIS: The sqrt(2/pi) factor must multiply the whole bracket `x + 0.044715 x^3`; the cubic term is under-/over-scaled.
"""
import math

import torch


def gelu(x: torch.Tensor) -> torch.Tensor:
    c = math.sqrt(2 / math.pi)
    inner = c * x + 0.044715 * x ** 3
    return 0.5 * x * (1 + torch.tanh(inner))
