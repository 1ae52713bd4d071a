"""CORRECT: re-registers the same Parameter object and uses F.linear"""

import torch
import torch.nn.functional as F
from torch import nn


class ReverseEmbedding(nn.Module):
    def __init__(self, embedding: nn.Embedding):
        super().__init__()
        self.weight = embedding.weight          # the very same Parameter object (tied)

    def forward(self, hidden: torch.Tensor) -> torch.Tensor:
        """hidden: (..., d) -> logits (..., V)."""
        return F.linear(hidden, self.weight)    # hidden @ weight.T, any leading dims
