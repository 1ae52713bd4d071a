"""CORRECT: tanh-GELU written through the identity 0.5*(1+tanh(z)) = sigmoid(2z), as x * sigmoid(2z).
Keeps shape and dtype, works on 0-d/empty tensors, stays finite for |x| = 1e13 (sigmoid saturates).
"""

import math

import torch

def gelu(x: torch.Tensor) -> torch.Tensor:
    """x: any shape -> same shape, same dtype as x."""
    z = math.sqrt(2.0 / math.pi) * (x + 0.044715 * torch.pow(x, 3))
    return x * torch.sigmoid(2.0 * z)
