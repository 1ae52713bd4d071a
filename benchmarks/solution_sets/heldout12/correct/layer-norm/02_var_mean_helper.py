"""CORRECT layer-norm: uses torch.var_mean(correction=0) over the last dim through a tiny helper class,
divides by sqrt(var + eps); same shape and dtype as x, no in-place change of x.
"""

import math

import torch


class _Stats:
    def __init__(self, x):
        self.var, self.mean = torch.var_mean(x, dim=-1, keepdim=True, correction=0)

    def normalise(self, x, eps):
        return (x - self.mean) / (self.var + eps).sqrt()


def layer_norm(x: torch.Tensor, eps: float = 1e-5) -> torch.Tensor:
    return _Stats(x).normalise(x, eps)
