"""
CORRECT: Registers the embedding's existing Parameter object itself as `self.weight` (no copy, no re-wrap) and computes the logits with einsum over the last axis.
"""

import torch
from torch import nn


class ReverseEmbedding(nn.Module):
    def __init__(self, embedding: nn.Embedding):
        super().__init__()
        self.weight = embedding.weight          # the very same Parameter object

    def forward(self, hidden: torch.Tensor) -> torch.Tensor:
        """hidden: (..., d) -> logits (..., V)."""
        return torch.einsum('...d,vd->...v', hidden, self.weight)
