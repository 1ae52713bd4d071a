"""
MISTAKE: The constants are stored as 1-element float32 tensors (`torch.tensor([...])`), which broadcasts a 0-d input up to shape (1,) and, in float64, injects float32-rounded constants (error ~1e-8 relative).
EXPECTED DIAGNOSIS: Shape/dtype slip from the constants: a 0-d input comes back with shape (1,) and float64 results lose precision; use Python floats (`math.sqrt(2/math.pi)`) or 0-d constants in x's dtype.
"""

import math

import torch

# precomputed once, as tensors
SQRT_2_OVER_PI = torch.tensor([math.sqrt(2.0 / math.pi)])
COEF = torch.tensor([0.044715])


def gelu(x: torch.Tensor) -> torch.Tensor:
    """x: any shape -> same shape, same dtype as x."""
    inner = SQRT_2_OVER_PI * (x + COEF * x ** 3)
    return 0.5 * x * (1.0 + torch.tanh(inner))
