"""CORRECT: stores the embedding module as a submodule and uses hidden @ weight.T"""

import torch
from torch import nn


class ReverseEmbedding(nn.Module):
    def __init__(self, embedding: nn.Embedding):
        super().__init__()
        # keep the embedding module itself, so the head always reads its current weight
        self.embedding = embedding

    def forward(self, hidden: torch.Tensor) -> torch.Tensor:
        """hidden: (..., d) -> logits (..., V)."""
        return hidden @ self.embedding.weight.T
