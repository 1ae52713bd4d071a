"""
CORRECT: Uses the identity 0.5*(1+tanh(z)) = sigmoid(2z), with the cube written as x*x*x.
"""

import math

import torch


def gelu(x: torch.Tensor) -> torch.Tensor:
    """x: any shape -> same shape, same dtype as x."""
    z = math.sqrt(2.0 / math.pi) * (x + 0.044715 * (x * x * x))
    return x * torch.sigmoid(2.0 * z)
