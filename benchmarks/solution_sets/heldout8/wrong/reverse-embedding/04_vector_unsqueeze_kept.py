"""
MISTAKE: Handles a single vector (d,) by unsqueezing it to (1, d) but never squeezes the result, returning (1, V) instead of (V,).
EXPECTED DIAGNOSIS: Wrong output shape for a 1-D hidden: (d,) must give (V,), not (1, V).
"""

import torch
import torch.nn.functional as F
from torch import nn


class ReverseEmbedding(nn.Module):
    def __init__(self, embedding: nn.Embedding):
        super().__init__()
        self.weight = embedding.weight          # the very same Parameter object (tied)

    def forward(self, hidden: torch.Tensor) -> torch.Tensor:
        """hidden: (..., d) -> logits (..., V)."""
        if hidden.dim() == 1:
            hidden = hidden.unsqueeze(0)        # make it a batch of one
        return F.linear(hidden, self.weight)    # hidden @ weight.T, any leading dims
