"""WRONG gelu: adds an overflow guard `if x.abs().max() > 1e4` that switches to relu-like limits for huge values.
Mistake: .max() of an empty tensor raises an error, so the empty-tensor case crashes; a good grader should say
empty inputs must return an empty tensor.
"""

import math

import torch


def gelu(x: torch.Tensor) -> torch.Tensor:
    if x.abs().max() > 1e4:
        big = x.abs() > 1e4
        safe = torch.where(big, torch.zeros_like(x), x)
        out = gelu(safe)
        return torch.where(big, torch.clamp(x, min=0.0), out)
    c = math.sqrt(2.0 / math.pi)
    inner = c * (x + 0.044715 * x ** 3)
    return 0.5 * x * (1.0 + torch.tanh(inner))
