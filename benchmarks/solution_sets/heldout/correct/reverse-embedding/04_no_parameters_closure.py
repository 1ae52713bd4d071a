"""CORRECT: exposes no parameters: holds the module in a plain list, einsum
"""
import torch
from torch import nn


class ReverseEmbedding(nn.Module):
    def __init__(self, embedding: nn.Embedding):
        super().__init__()
        self._source = [embedding]   # a list, so nothing is registered

    def forward(self, hidden: torch.Tensor) -> torch.Tensor:
        w = self._source[0].weight
        return torch.einsum("...d,vd->...v", hidden, w)
