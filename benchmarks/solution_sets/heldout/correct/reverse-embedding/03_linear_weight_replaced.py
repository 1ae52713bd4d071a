"""CORRECT: nn.Linear(bias=False) whose weight is replaced by the embedding's weight
"""
import torch
from torch import nn


class ReverseEmbedding(nn.Module):
    def __init__(self, embedding: nn.Embedding):
        super().__init__()
        V, d = embedding.weight.shape
        self.proj = nn.Linear(d, V, bias=False)
        self.proj.weight = embedding.weight

    def forward(self, hidden: torch.Tensor) -> torch.Tensor:
        return self.proj(hidden)
