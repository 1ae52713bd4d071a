"""
MISTAKE: Centres the input with `x -= mean` (and divides in place), modifying the caller's tensor `x` in place; the returned values are right.
EXPECTED DIAGNOSIS: The function changes its input in place; compute into a new tensor (`y = x - mean`) instead of `x -= ...`.
"""
import math

import torch


def layer_norm(x: torch.Tensor, eps: float = 1e-5) -> torch.Tensor:
    # avoid allocating extra buffers
    mean = x.mean(dim=-1, keepdim=True)
    x -= mean
    var = (x * x).mean(dim=-1, keepdim=True)
    x /= torch.sqrt(var + eps)
    return x
