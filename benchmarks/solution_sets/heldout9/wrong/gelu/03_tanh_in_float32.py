"""MISTAKE: evaluates the tanh on `inner.float()`, so for float64 inputs the tanh is rounded to
    float32 (~1e-7 relative error); the dtype stays float64 through promotion, but float64
    values miss the 1e-8 relative tolerance. Float32 inputs are fine.

EXPECTED DIAGNOSIS: Don't force float32 inside: keep every step in the input's dtype so
    float64 inputs keep float64 precision.
"""

import math

import torch


def gelu(x: torch.Tensor) -> torch.Tensor:
    """x: any shape -> same shape, same dtype as x."""
    c = math.sqrt(2.0 / math.pi)
    inner = c * (x + 0.044715 * x ** 3)
    return 0.5 * x * (1.0 + torch.tanh(inner.float()))
