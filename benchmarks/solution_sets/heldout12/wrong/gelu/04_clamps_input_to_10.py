"""WRONG gelu: clamps x to [-10, 10] before the formula "to avoid overflow of x**3".
Mistake: for |x| > 10 the output saturates at 10 (or ~0) instead of returning x, e.g. gelu(20) = 10; a good
grader should say large positive inputs must give x back, the clamp changes the function.
"""

import math

import torch


def gelu(x: torch.Tensor) -> torch.Tensor:
    x = x.clamp(-10.0, 10.0)
    c = math.sqrt(2.0 / math.pi)
    inner = c * (x + 0.044715 * x ** 3)
    return 0.5 * x * (1.0 + torch.tanh(inner))
