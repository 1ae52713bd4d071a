"""WRONG: correct tanh GELU, but first checks x.abs().max() to decide whether to take a "large
value" path. Mistake: max() of an empty tensor raises a RuntimeError, so the empty-tensor case
crashes (everything else matches); a good grader should say the function fails on an empty input
because it reduces over x with max()."""

import math

import torch


def gelu(x: torch.Tensor) -> torch.Tensor:
    """x: any shape -> same shape, same dtype as x."""
    c = math.sqrt(2.0 / math.pi)
    if x.abs().max() > 1e6:
        # huge values: avoid x**3 overflow by saturating the tanh by hand
        big = x.abs() > 1e6
        y = 0.5 * x * (1.0 + torch.tanh(c * (x + 0.044715 * x ** 3)))
        return torch.where(big, torch.where(x > 0, x, torch.zeros_like(x)), y)
    return 0.5 * x * (1.0 + torch.tanh(c * (x + 0.044715 * x ** 3)))
