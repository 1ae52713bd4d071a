"""CORRECT gelu: uses the identity 0.5*(1 + tanh(z)) = sigmoid(2z), i.e. x * sigmoid(2*sqrt(2/pi)*(x + 0.044715 x^3)),
with the cube written as x*x*x; finite for huge |x|, same shape/dtype, x untouched.
"""

import math

import torch


_C = math.sqrt(2.0 / math.pi)


def gelu(x: torch.Tensor) -> torch.Tensor:
    inner = _C * (x + 0.044715 * (x * x * x))
    return x * torch.sigmoid(2.0 * inner)
