"""
CORRECT: Uses the identity 0.5*(1+tanh(z)) = sigmoid(2z), i.e. `x * sigmoid(2*sqrt(2/pi)*(x + 0.044715 x^3))`.
"""
import math

import torch


def gelu(x: torch.Tensor) -> torch.Tensor:
    z = math.sqrt(2.0 / math.pi) * (x + 0.044715 * x * x * x)
    return x * torch.sigmoid(2.0 * z)
