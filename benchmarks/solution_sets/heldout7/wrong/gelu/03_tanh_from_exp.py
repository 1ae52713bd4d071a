"""
MISTAKE: Builds tanh by hand as `(e^z - e^-z)/(e^z + e^-z)`, which overflows to inf/inf = NaN once |z| exceeds about 88 (|x| above ~10).
EXPECTED DIAGNOSIS: A tanh built from exp overflows: NaN for large |x| (the |x| up to 20 and 1e13 cases); use `torch.tanh` or `sigmoid(2z)`.
"""
import math

import torch


def _tanh(z):
    ez = torch.exp(z)
    emz = torch.exp(-z)
    return (ez - emz) / (ez + emz)


def gelu(x: torch.Tensor) -> torch.Tensor:
    z = math.sqrt(2.0 / math.pi) * (x + 0.044715 * torch.pow(x, 3))
    return 0.5 * x * (1.0 + _tanh(z))
