"""
CORRECT: Holds the embedding as a submodule (its weight is the only parameter, shared) and computes the logits with F.linear(hidden, weight).
"""
import torch
import torch.nn.functional as F
from torch import nn


class ReverseEmbedding(nn.Module):
    def __init__(self, embedding: nn.Embedding):
        super().__init__()
        self.embedding = embedding

    def forward(self, hidden: torch.Tensor) -> torch.Tensor:
        """hidden: (..., d) -> logits (..., V)."""
        return F.linear(hidden, self.embedding.weight)
