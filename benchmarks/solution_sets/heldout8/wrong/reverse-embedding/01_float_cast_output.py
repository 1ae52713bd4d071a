"""
MISTAKE: Casts the logits with .float() at the end, so float64 hidden/weights come back as float32.
EXPECTED DIAGNOSIS: Output dtype is not kept: for float64 hidden the logits must be float64 (drop the .float()).
"""

import torch
from torch import nn


class ReverseEmbedding(nn.Module):
    def __init__(self, embedding: nn.Embedding):
        super().__init__()
        # keep the embedding module itself, so the head always reads its current weight
        self.embedding = embedding

    def forward(self, hidden: torch.Tensor) -> torch.Tensor:
        """hidden: (..., d) -> logits (..., V)."""
        logits = hidden @ self.embedding.weight.T
        return logits.float()
