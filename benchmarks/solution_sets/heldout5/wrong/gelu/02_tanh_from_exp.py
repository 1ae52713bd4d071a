"""
MISTAKE: tanh is written by hand as `(e^z - e^-z) / (e^z + e^-z)`, which overflows to inf/inf = NaN once |z| passes about 88 in float32 (|x| above roughly 10, and the huge-value cases).
EXPECTED DIAGNOSIS: A hand-built tanh from `torch.exp` overflows for large |x| and returns NaN; use `torch.tanh` (or `torch.sigmoid(2*z)`), which saturate safely.
"""

import math

import torch


def _tanh(z):
    ez = torch.exp(z)
    emz = torch.exp(-z)
    return (ez - emz) / (ez + emz)


def gelu(x: torch.Tensor) -> torch.Tensor:
    """x: any shape -> same shape, same dtype as x."""
    z = math.sqrt(2 / math.pi) * (x + 0.044715 * x * x * x)
    return 0.5 * x * (1 + _tanh(z))
