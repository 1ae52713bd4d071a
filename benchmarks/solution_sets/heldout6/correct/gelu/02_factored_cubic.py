"""
CORRECT: Factored inner term sqrt(2/pi) * x * (1 + 0.044715 * x * x) with torch.tanh, done in the input dtype; saturates cleanly for huge |x|.
"""

import math

import torch

_K = math.sqrt(2.0 / math.pi)


def gelu(x: torch.Tensor) -> torch.Tensor:
    """x: any shape -> same shape, same dtype as x."""
    inner = _K * x * (1.0 + 0.044715 * x * x)
    return 0.5 * x * (1.0 + torch.tanh(inner))
