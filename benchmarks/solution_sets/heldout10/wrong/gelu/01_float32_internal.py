"""WRONG: computes the tanh GELU in float32 (x.float()) and casts the result back to x's dtype.
Mistake: a float64 input keeps its dtype but only gets float32 precision (errors ~1e-8 relative), so
the float64 cases fail their 1e-10 + 1e-8*|expected| tolerance; a good grader should say the float64
output has float32-level precision because the computation was done in float32."""

import math

import torch


def gelu(x: torch.Tensor) -> torch.Tensor:
    """x: any shape -> same shape, same dtype as x."""
    xf = x.float()
    y = 0.5 * xf * (1.0 + torch.tanh(math.sqrt(2.0 / math.pi) * (xf + 0.044715 * xf ** 3)))
    return y.to(x.dtype)
