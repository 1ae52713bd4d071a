"""WRONG: clamps x to [-10, 10] before the formula "to avoid x**3 overflow", so every x > 10 gives about 10 instead of x
(e.g. GELU(20) -> 10). A good grader should say large positive inputs are capped at 10 because the input was clamped.
"""

import math

import torch

def gelu(x: torch.Tensor) -> torch.Tensor:
    """x: any shape -> same shape, same dtype as x."""
    xc = x.clamp(-10.0, 10.0)  # keep x**3 finite
    c = math.sqrt(2.0 / math.pi)
    return 0.5 * xc * (1.0 + torch.tanh(c * (xc + 0.044715 * xc ** 3)))
