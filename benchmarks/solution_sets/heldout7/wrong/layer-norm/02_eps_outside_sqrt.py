"""
MISTAKE: Adds eps to the standard deviation (`/(std + eps)`) instead of inside the square root (`sqrt(var + eps)`).
EXPECTED DIAGNOSIS: eps belongs inside the square root; the outputs differ visibly on rows with tiny variance (and slightly everywhere).
"""
import math

import torch


def layer_norm(x: torch.Tensor, eps: float = 1e-5) -> torch.Tensor:
    centred = x - x.mean(-1, keepdim=True)
    std = centred.pow(2).mean(-1, keepdim=True).sqrt()
    return centred / (std + eps)
