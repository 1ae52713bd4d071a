"""
CORRECT: An nn.Linear(d, V, bias=False) whose weight attribute is replaced by the embedding's Parameter object itself, so the same Parameter is registered once and used via einsum.
"""
import torch
from torch import nn


class ReverseEmbedding(nn.Module):
    def __init__(self, embedding: nn.Embedding):
        super().__init__()
        V, d = embedding.weight.shape
        self.out = nn.Linear(d, V, bias=False)
        self.out.weight = embedding.weight   # the very same Parameter object

    def forward(self, hidden: torch.Tensor) -> torch.Tensor:
        """hidden: (..., d) -> logits (..., V)."""
        return torch.einsum("...d,vd->...v", hidden, self.out.weight)
