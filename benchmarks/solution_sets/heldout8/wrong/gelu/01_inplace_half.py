"""
MISTAKE: Builds the result with in-place ops starting from x itself (out = x; out.mul_(0.5) ...), so the caller's tensor is overwritten; the inner term is computed before, so the returned values are right.
EXPECTED DIAGNOSIS: The input x is modified in place (mul_ on x); compute the result out of place so x is left unchanged.
"""

import math

import torch


def gelu(x: torch.Tensor) -> torch.Tensor:
    """x: any shape -> same shape, same dtype as x."""
    gate = 1.0 + torch.tanh(math.sqrt(2.0 / math.pi) * (x + 0.044715 * x ** 3))
    out = x
    out.mul_(0.5)
    out.mul_(gate)
    return out
