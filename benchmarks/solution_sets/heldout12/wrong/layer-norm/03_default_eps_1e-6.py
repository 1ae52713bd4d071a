"""WRONG layer-norm: the correct formula, but the default eps is 1e-6 instead of 1e-5.
Mistake: a wrong default argument, visible on tiny-variance rows when eps is not passed; a good grader should
say the default eps is wrong (1e-6 instead of 1e-5).
"""

import math

import torch


def layer_norm(x: torch.Tensor, eps: float = 1e-6) -> torch.Tensor:
    mean = x.mean(dim=-1, keepdim=True)
    xc = x - mean
    var = (xc * xc).mean(dim=-1, keepdim=True)
    return xc / torch.sqrt(var + eps)
