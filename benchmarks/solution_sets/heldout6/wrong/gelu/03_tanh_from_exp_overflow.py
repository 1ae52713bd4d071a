"""
MISTAKE: Builds tanh by hand as (e^z - e^-z) / (e^z + e^-z), which overflows to inf/inf = NaN once |z| exceeds ~88 (|x| above ~10 in float32, and the huge-value cases).
EXPECTED DIAGNOSIS: Overflowing hand-made tanh: for large |x| the exponentials become inf and the result is NaN; use torch.tanh (or a sigmoid form) which saturates correctly.
"""

import math

import torch

SQRT_2_OVER_PI = math.sqrt(2.0 / math.pi)


def _tanh(z: torch.Tensor) -> torch.Tensor:
    ez = torch.exp(z)
    emz = torch.exp(-z)
    return (ez - emz) / (ez + emz)


def gelu(x: torch.Tensor) -> torch.Tensor:
    """x: any shape -> same shape, same dtype as x."""
    z = SQRT_2_OVER_PI * (x + 0.044715 * x * x * x)
    return 0.5 * x * (1.0 + _tanh(z))
