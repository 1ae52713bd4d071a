"""MISTAKE: rewrites 0.5*(1+tanh(z)) as sigmoid(z) instead of sigmoid(2z)
EXPECTED DIAGNOSIS: 0.5*(1+tanh(z)) equals sigmoid(2z); sigmoid(z) is a different curve.
"""
import math

import torch


SQRT_2_OVER_PI = math.sqrt(2.0 / math.pi)


def gelu(x: torch.Tensor) -> torch.Tensor:
    inner = SQRT_2_OVER_PI * (x + 0.044715 * torch.pow(x, 3))
    return x * torch.sigmoid(inner)
