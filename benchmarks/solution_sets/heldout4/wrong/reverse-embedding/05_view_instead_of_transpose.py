"""
MISTAKE: In forward, turns the (V, d) weight into (d, V) with .view(d, V) instead of a transpose, so the logits are products with the wrong columns (the tying itself is correct).
EXPECTED DIAGNOSIS: Wrong logits: view/reshape reinterprets memory rather than transposing; logits must be hidden @ weight.T so that logit v is the dot product with row v.
"""
import torch
from torch import nn


class ReverseEmbedding(nn.Module):
    def __init__(self, embedding: nn.Embedding):
        super().__init__()
        self.embedding = embedding

    def forward(self, hidden: torch.Tensor) -> torch.Tensor:
        """hidden: (..., d) -> logits (..., V)."""
        V, d = self.embedding.weight.shape
        return hidden @ self.embedding.weight.view(d, V)
