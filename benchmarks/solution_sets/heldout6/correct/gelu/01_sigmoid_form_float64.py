"""
CORRECT: Uses the identity 0.5 * (1 + tanh(z)) = sigmoid(2z), evaluated in float64 (so x**3 cannot overflow) and cast back to the input dtype.
"""

import math

import torch


def gelu(x: torch.Tensor) -> torch.Tensor:
    """x: any shape -> same shape, same dtype as x."""
    xd = x.double()
    z = math.sqrt(2.0 / math.pi) * (xd + 0.044715 * xd.pow(3))
    return (xd * torch.sigmoid(2.0 * z)).to(x.dtype)
