"""MISTAKE: uses x**2 in place of x**3 in the polynomial
EXPECTED DIAGNOSIS: The correction term is 0.044715 * x**3 (odd function); x**2 breaks the symmetry and shifts negative inputs.
"""
import math

import torch


def gelu(x: torch.Tensor) -> torch.Tensor:
    c = math.sqrt(2.0 / math.pi)
    return 0.5 * x * (1.0 + torch.tanh(c * (x + 0.044715 * x.pow(2))))
