"""WRONG layer-norm: divides the centred vector by (var + eps) instead of sqrt(var + eps).
Mistake: the square root is missing, so outputs are scaled by 1/sqrt(var); a good grader should say the
denominator is the variance, not the standard deviation.
"""

import math

import torch


def layer_norm(x: torch.Tensor, eps: float = 1e-5) -> torch.Tensor:
    mean = x.mean(dim=-1, keepdim=True)
    xc = x - mean
    var = (xc * xc).mean(dim=-1, keepdim=True)
    return xc / (var + eps)
