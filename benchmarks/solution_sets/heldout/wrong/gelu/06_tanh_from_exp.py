"""MISTAKE: builds tanh from exp, (e^z - e^-z)/(e^z + e^-z), which overflows to NaN for large |x|
EXPECTED DIAGNOSIS: exp overflows for |z| > ~88 in float32, giving inf/inf = NaN at large inputs; use torch.tanh (or the sigmoid form).
"""
import math

import torch


def _tanh(z):
    ez = torch.exp(z)
    emz = torch.exp(-z)
    return (ez - emz) / (ez + emz)


def gelu(x: torch.Tensor) -> torch.Tensor:
    z = math.sqrt(2.0 / math.pi) * (x + 0.044715 * x ** 3)
    return 0.5 * x * (1.0 + _tanh(z))
