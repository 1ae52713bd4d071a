"""WRONG layer-norm: converts x to float32 first ("for speed") and returns float32.
Mistake: a float64 input comes back float32 (and with float32 precision); a good grader should say the dtype
must be kept.
"""

import math

import torch


def layer_norm(x: torch.Tensor, eps: float = 1e-5) -> torch.Tensor:
    x = x.float()
    mean = x.mean(dim=-1, keepdim=True)
    xc = x - mean
    var = (xc * xc).mean(dim=-1, keepdim=True)
    return xc / torch.sqrt(var + eps)
