"""MISTAKE: promotes a 1-D hidden vector with `unsqueeze(0)` for the matmul and never squeezes it
    back, so a (d,) input returns (1, V) instead of (V,); inputs with leading dimensions are
    right.

EXPECTED DIAGNOSIS: `hidden @ W.T` already handles a 1-D hidden; if you unsqueeze, squeeze the
    result back so (d,) gives (V,).
"""

import torch
from torch import nn


class ReverseEmbedding(nn.Module):
    def __init__(self, embedding: nn.Embedding):
        super().__init__()
        self.embedding = embedding

    def forward(self, hidden: torch.Tensor) -> torch.Tensor:
        """hidden: (..., d) -> logits (..., V)."""
        weight = self.embedding.weight
        if hidden.dim() == 1:
            hidden = hidden.unsqueeze(0)
        return hidden @ weight.T
