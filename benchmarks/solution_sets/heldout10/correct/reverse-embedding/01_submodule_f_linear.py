"""CORRECT: the head registers the embedding itself as a submodule (its only parameter is then
embedding.weight, the very same object) and computes F.linear(hidden, weight) = hidden @ weight.T,
reading the weight at call time, so in-place edits show and gradients from both uses add up."""

import torch
import torch.nn.functional as F
from torch import nn


class ReverseEmbedding(nn.Module):
    def __init__(self, embedding: nn.Embedding):
        super().__init__()
        self.embedding = embedding

    def forward(self, hidden: torch.Tensor) -> torch.Tensor:
        """hidden: (..., d) -> logits (..., V)."""
        w = self.embedding.weight
        return F.linear(hidden, w.to(hidden.dtype))
