"""
MISTAKE: Casts the input to float32 "for speed" and never casts back, so a float64 input comes back float32 (and with float32 precision).
EXPECTED DIAGNOSIS: The output dtype must match the input dtype: a float64 input must return float64; do not call .float() on the input.
"""
import math

import torch


def gelu(x: torch.Tensor) -> torch.Tensor:
    """x: any shape -> same shape, same dtype as x."""
    x = x.float()
    k = math.sqrt(2.0 / math.pi)
    return 0.5 * x * (1.0 + torch.tanh(k * (x + 0.044715 * x.pow(3))))
