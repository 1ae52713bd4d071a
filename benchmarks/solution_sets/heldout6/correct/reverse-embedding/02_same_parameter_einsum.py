"""
CORRECT: Registers the embedding's very Parameter object as self.weight (no copy, no new Parameter) and computes einsum('...d,vd->...v', hidden, self.weight).
"""

import torch
from torch import nn


class ReverseEmbedding(nn.Module):
    def __init__(self, embedding: nn.Embedding):
        super().__init__()
        self.weight = embedding.weight          # the same Parameter object, registered once

    def forward(self, hidden: torch.Tensor) -> torch.Tensor:
        """hidden: (..., d) -> logits (..., V)."""
        return torch.einsum("...d,vd->...v", hidden, self.weight)
