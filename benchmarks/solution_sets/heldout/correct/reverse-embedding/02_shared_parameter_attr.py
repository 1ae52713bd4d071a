"""CORRECT: assigns the same Parameter object as its own attribute; F.linear
"""
import torch
import torch.nn.functional as F
from torch import nn


class ReverseEmbedding(nn.Module):
    def __init__(self, embedding: nn.Embedding):
        super().__init__()
        self.weight = embedding.weight   # the very same Parameter object, registered under a second name

    def forward(self, hidden: torch.Tensor) -> torch.Tensor:
        return F.linear(hidden, self.weight)
