"""
MISTAKE: Clamps x to [-10, 10] before the formula to avoid the x**3 overflow, but then also multiplies by the clamped x, so GELU(20) returns 10 instead of 20 (any |x| > 10 positive is wrong).
EXPECTED DIAGNOSIS: Overflow guard is wrong: clamping x changes the output for |x| > 10 (GELU(x) should be ~x for large positive x); clamp only the tanh argument or rely on tanh saturating.
"""

import math

import torch


def gelu(x: torch.Tensor) -> torch.Tensor:
    """x: any shape -> same shape, same dtype as x."""
    # keep x**3 from overflowing for huge inputs
    x = torch.clamp(x, -10.0, 10.0)
    k = math.sqrt(2.0 / math.pi)
    return 0.5 * x * (1.0 + torch.tanh(k * (x + 0.044715 * x.pow(3))))
