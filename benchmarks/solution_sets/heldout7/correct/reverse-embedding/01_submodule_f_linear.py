"""
CORRECT: Keeps the embedding as a submodule (so its one weight is the only parameter) and uses `F.linear(hidden, weight)`.
"""
import torch
from torch import nn
import torch.nn.functional as F


class ReverseEmbedding(nn.Module):
    def __init__(self, embedding: nn.Embedding):
        super().__init__()
        self.embedding = embedding

    def forward(self, hidden: torch.Tensor) -> torch.Tensor:
        return F.linear(hidden, self.embedding.weight)
