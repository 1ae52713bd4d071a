"""
MISTAKE: Uses the sigmoid form but writes x * sigmoid(z) instead of x * sigmoid(2 z) (0.5 * (1 + tanh(z)) = sigmoid(2z), the factor 2 is lost).
EXPECTED DIAGNOSIS: The sigmoid identity is 0.5*(1+tanh(z)) = sigmoid(2z); you used sigmoid(z), which is a much softer curve than GELU.
"""
import math

import torch


def gelu(x: torch.Tensor) -> torch.Tensor:
    """x: any shape -> same shape, same dtype as x."""
    c = math.sqrt(2.0 / math.pi)
    z = c * (x + 0.044715 * x * x * x)
    # 0.5 * (1 + tanh(z)) is a sigmoid
    return x * torch.sigmoid(z)
