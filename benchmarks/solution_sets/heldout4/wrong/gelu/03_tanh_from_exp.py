"""
MISTAKE: Builds tanh by hand as (e^z - e^-z) / (e^z + e^-z), which overflows to inf/inf = NaN once |z| exceeds ~88 (|x| above ~10 in float32).
EXPECTED DIAGNOSIS: Your hand-written tanh overflows for large inputs and returns NaN; use torch.tanh (or a stable form such as sigmoid(2z)).
"""
import math

import torch


def _tanh(z):
    ez = torch.exp(z)
    emz = torch.exp(-z)
    return (ez - emz) / (ez + emz)


def gelu(x: torch.Tensor) -> torch.Tensor:
    """x: any shape -> same shape, same dtype as x."""
    z = math.sqrt(2 / math.pi) * (x + 0.044715 * x ** 3)
    return 0.5 * x * (1 + _tanh(z))
