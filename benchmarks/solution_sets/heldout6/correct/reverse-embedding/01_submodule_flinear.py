"""
CORRECT: Keeps the embedding as a submodule (its weight is the only parameter) and computes F.linear(hidden, self.embedding.weight) in forward.
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
