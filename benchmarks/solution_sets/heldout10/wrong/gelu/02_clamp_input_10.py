"""WRONG: clamps x to [-10, 10] before applying the tanh GELU formula "to avoid overflow in x**3".
Mistake: for |x| > 10 the output saturates at 10 (e.g. GELU(20) returns 10 instead of 20, GELU(1e13)
returns 10); a good grader should say large positive inputs are capped at 10 because the input was
clamped instead of letting tanh saturate."""

import math

import torch


def gelu(x: torch.Tensor) -> torch.Tensor:
    """x: any shape -> same shape, same dtype as x."""
    x = torch.clamp(x, -10.0, 10.0)
    return 0.5 * x * (1.0 + torch.tanh(math.sqrt(2.0 / math.pi) * (x + 0.044715 * torch.pow(x, 3))))
