"""CORRECT: the head exposes no parameter at all: it keeps the embedding in a plain Python list (so
nn.Module does not register it) and computes torch.einsum('...d,vd->...v', hidden, weight) from the
live weight on every call; works for (d,), (N, d) and (N, T, d) hidden states."""

import torch
from torch import nn


class ReverseEmbedding(nn.Module):
    def __init__(self, embedding: nn.Embedding):
        super().__init__()
        self._tied = [embedding]          # not registered: the embedding owns the weight

    def forward(self, hidden: torch.Tensor) -> torch.Tensor:
        """hidden: (..., d) -> logits (..., V)."""
        weight = self._tied[0].weight
        return torch.einsum("...d,vd->...v", hidden, weight)
