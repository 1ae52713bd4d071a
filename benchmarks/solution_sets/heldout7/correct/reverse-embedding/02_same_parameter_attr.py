"""
CORRECT: Assigns the embedding's Parameter object itself to `self.weight` (registering that same object) and computes logits with einsum.
"""
import torch
from torch import nn


class ReverseEmbedding(nn.Module):
    def __init__(self, embedding: nn.Embedding):
        super().__init__()
        self.weight = embedding.weight   # the very same Parameter object

    def forward(self, hidden: torch.Tensor) -> torch.Tensor:
        return torch.einsum("...d,vd->...v", hidden, self.weight)
