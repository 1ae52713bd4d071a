"""CORRECT: registers the embedding's own Parameter object as this module's `weight` (same object, so parameters() yields it once) and uses einsum('...d,vd->...v')."""

import torch
from torch import nn


class ReverseEmbedding(nn.Module):
    def __init__(self, embedding: nn.Embedding):
        super().__init__()
        self.weight = embedding.weight          # the very same nn.Parameter, not a copy

    def forward(self, hidden: torch.Tensor) -> torch.Tensor:
        """hidden: (..., d) -> logits (..., V)."""
        return torch.einsum("...d,vd->...v", hidden, self.weight)
