"""Problem 2 - gelu.  Run `grader show gelu` for the statement.

Write `gelu(x)`: the tanh approximation of GELU, elementwise,
    0.5 * x * (1 + tanh(sqrt(2 / pi) * (x + 0.044715 * x**3)))
Same shape and dtype as x.
"""

import math

import torch


def gelu(x: torch.Tensor) -> torch.Tensor:
    """x: any shape -> same shape, same dtype as x."""
    raise NotImplementedError("gelu: implement gelu(x)")
