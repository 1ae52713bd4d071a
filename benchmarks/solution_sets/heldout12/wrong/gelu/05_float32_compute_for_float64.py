"""WRONG gelu: computes everything in float32 and casts the result back to the input dtype.
Mistake: dtype is kept but float64 inputs lose precision (errors ~1e-7, far beyond the float64
tolerance); a good grader should say float64 inputs must be computed in float64.
"""

import math

import torch


def gelu(x: torch.Tensor) -> torch.Tensor:
    orig = x.dtype
    x = x.float()
    c = math.sqrt(2.0 / math.pi)
    inner = c * (x + 0.044715 * x ** 3)
    return (0.5 * x * (1.0 + torch.tanh(inner))).to(orig)
