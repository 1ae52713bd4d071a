"""MISTAKE: writes the result with `out = x; out *= ...`, which multiplies the caller's tensor in
    place: the returned values are right but the input x is overwritten with GELU(x).

EXPECTED DIAGNOSIS: `out = x` does not copy; use an out-of-place expression (`0.5 * x *
    (...)`) so the input is not modified.
"""

import math

import torch


def gelu(x: torch.Tensor) -> torch.Tensor:
    """x: any shape -> same shape, same dtype as x."""
    c = math.sqrt(2.0 / math.pi)
    inner = c * (x + 0.044715 * x ** 3)
    out = x
    out *= 0.5 * (1.0 + torch.tanh(inner))
    return out
