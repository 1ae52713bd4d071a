"""CORRECT: keeps the embedding as a registered submodule and computes F.linear(hidden, embedding.weight) (= hidden @ W.T) at call time."""

import torch
import torch.nn.functional as F
from torch import nn


class ReverseEmbedding(nn.Module):
    def __init__(self, embedding: nn.Embedding):
        super().__init__()
        self.tied = embedding

    def forward(self, hidden: torch.Tensor) -> torch.Tensor:
        """hidden: (..., d) -> logits (..., V)."""
        return F.linear(hidden, self.tied.weight)
