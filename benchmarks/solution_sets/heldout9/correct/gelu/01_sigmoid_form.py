"""CORRECT: uses the identity 0.5 * (1 + tanh(z)) = sigmoid(2z), i.e. x * sigmoid(2z), with torch.pow for the cube."""

import math

import torch


def gelu(x: torch.Tensor) -> torch.Tensor:
    """x: any shape -> same shape, same dtype as x."""
    z = math.sqrt(2.0 / math.pi) * (x + 0.044715 * torch.pow(x, 3))
    return x * torch.sigmoid(2.0 * z)
