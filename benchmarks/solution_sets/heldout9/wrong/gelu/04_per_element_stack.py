"""MISTAKE: computes GELU element by element in a Python loop and rebuilds the tensor with
    `torch.stack(list)`; values and shapes are right (0-d included) but an empty input gives
    `torch.stack([])`, which raises.

EXPECTED DIAGNOSIS: Use vectorised tensor ops on the whole tensor; the per-element loop with
    torch.stack breaks on an empty tensor (and is slow).
"""

import math

import torch


def gelu(x: torch.Tensor) -> torch.Tensor:
    """x: any shape -> same shape, same dtype as x."""
    c = math.sqrt(2.0 / math.pi)
    flat = x.reshape(-1)
    vals = [0.5 * v * (1.0 + torch.tanh(c * (v + 0.044715 * v ** 3))) for v in flat]
    return torch.stack(vals).reshape(x.shape)
