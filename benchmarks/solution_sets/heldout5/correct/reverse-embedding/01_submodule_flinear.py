"""
CORRECT: Keeps the embedding as a submodule and reads its weight in forward via F.linear (which computes hidden @ weight.T); the only parameter is the embedding's weight.
"""

import torch
from torch import nn
import torch.nn.functional as F


class ReverseEmbedding(nn.Module):
    def __init__(self, embedding: nn.Embedding):
        super().__init__()
        self.embedding = embedding

    def forward(self, hidden: torch.Tensor) -> torch.Tensor:
        """hidden: (..., d) -> logits (..., V)."""
        return F.linear(hidden, self.embedding.weight)
