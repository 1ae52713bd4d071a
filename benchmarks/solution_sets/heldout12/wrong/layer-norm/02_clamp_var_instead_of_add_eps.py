"""WRONG layer-norm: uses sqrt(var.clamp(min=eps)) instead of sqrt(var + eps).
Mistake: eps only acts as a floor, so rows whose variance is comparable to eps (tiny-variance rows) come out
wrong; a good grader should say eps must be added to the variance, not used as a lower bound.
"""

import math

import torch


def layer_norm(x: torch.Tensor, eps: float = 1e-5) -> torch.Tensor:
    mean = x.mean(dim=-1, keepdim=True)
    xc = x - mean
    var = (xc * xc).mean(dim=-1, keepdim=True)
    return xc / torch.sqrt(var.clamp(min=eps))
