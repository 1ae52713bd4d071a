"""CORRECT: flattens to rows inside an nn.Module, torch.var_mean
"""
import torch
from torch import nn


class _ParamFreeNorm(nn.Module):
    def __init__(self, eps):
        super().__init__()
        self.eps = eps

    def forward(self, rows):
        var, mean = torch.var_mean(rows, dim=1, correction=0, keepdim=True)
        return (rows - mean) / torch.sqrt(var + self.eps)


def layer_norm(x: torch.Tensor, eps: float = 1e-5) -> torch.Tensor:
    shape = x.shape
    rows = x.reshape(-1, shape[-1])
    return _ParamFreeNorm(eps)(rows).reshape(shape)
