"""
MISTAKE: Stores nn.Parameter(embedding.weight.clone()) in __init__, so the head owns a separate copy: right logits at first, stale after in-place edits, and a second (V, d) parameter.
EXPECTED DIAGNOSIS: The head owns a copy of the weight: it is a new tensor, not embedding.weight; keep a reference to the embedding (or its weight object itself) instead of cloning.
"""
import torch
from torch import nn


class ReverseEmbedding(nn.Module):
    def __init__(self, embedding: nn.Embedding):
        super().__init__()
        self.weight = nn.Parameter(embedding.weight.clone())

    def forward(self, hidden: torch.Tensor) -> torch.Tensor:
        """hidden: (..., d) -> logits (..., V)."""
        return hidden @ self.weight.T
