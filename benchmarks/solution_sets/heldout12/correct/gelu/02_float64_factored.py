"""CORRECT gelu: computes in float64 with the factored form c*x*(1 + 0.044715*x^2) inside the tanh, then casts back
to the input dtype (float32 results are rounded once); works for 0-d and empty tensors.
"""

import math

import torch


def gelu(x: torch.Tensor) -> torch.Tensor:
    x64 = x.double()
    z = math.sqrt(2.0 / math.pi) * x64 * (1.0 + 0.044715 * x64.square())
    y = 0.5 * x64 * (1.0 + torch.tanh(z))
    return y.to(x.dtype)
