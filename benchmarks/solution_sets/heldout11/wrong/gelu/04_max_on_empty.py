"""WRONG: checks x.abs().max() to decide whether a "safe" branch is needed; max() of an empty tensor raises, so the
empty-tensor case crashes (all other inputs are right). A good grader should say the empty input raises an error from max().
"""

import math

import torch

def gelu(x: torch.Tensor) -> torch.Tensor:
    """x: any shape -> same shape, same dtype as x."""
    c = math.sqrt(2.0 / math.pi)
    if x.abs().max() > 1e6:
        big = x.abs() > 1e6
        safe = torch.where(big, torch.zeros_like(x), x)
        y = 0.5 * safe * (1.0 + torch.tanh(c * (safe + 0.044715 * safe ** 3)))
        return torch.where(big, torch.clamp(x, min=0.0), y)
    return 0.5 * x * (1.0 + torch.tanh(c * (x + 0.044715 * x ** 3)))
