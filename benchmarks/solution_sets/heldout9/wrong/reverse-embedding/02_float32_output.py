"""MISTAKE: casts both operands with `.float()` 'to be safe', so a float64 hidden gives float32
    logits (and float64 precision is lost); float32 cases pass.

EXPECTED DIAGNOSIS: Return logits in hidden's dtype: multiply without casting to float32.
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
        return hidden.float() @ weight.float().T
