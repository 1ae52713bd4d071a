"""CORRECT: two-pass: subtract mean then mean of squares, chained methods
"""
import math

import torch


def layer_norm(x: torch.Tensor, eps: float = 1e-5) -> torch.Tensor:
    xc = x - x.mean(-1, keepdim=True)
    return xc / xc.pow(2).mean(-1, keepdim=True).add(eps).sqrt()
