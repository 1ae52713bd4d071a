"""WRONG: flattens x, computes, and reshapes back with reshape(-1, *x.shape[1:]) only when x.dim() > 0; for a 0-d input
it returns the flattened shape (1,) instead of (); values are right everywhere. A good grader should say the 0-d case returns the wrong shape (1,) instead of ().
"""

import math

import torch

def gelu(x: torch.Tensor) -> torch.Tensor:
    """x: any shape -> same shape, same dtype as x."""
    flat = x.reshape(-1)
    c = math.sqrt(2.0 / math.pi)
    out = 0.5 * flat * (1.0 + torch.tanh(c * (flat + 0.044715 * flat * flat * flat)))
    return out.reshape(-1, *x.shape[1:]) if x.dim() > 0 else out
