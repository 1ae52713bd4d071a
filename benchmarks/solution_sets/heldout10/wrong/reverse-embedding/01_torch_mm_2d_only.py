"""WRONG: ties the weight correctly (stores embedding.weight, the same object) but computes the
logits with torch.mm(hidden, weight.t()). Mistake: torch.mm only accepts 2-D matrices, so hidden of
shape (N, T, d) or a single vector (d,) raises an error; only (N, d) works; a good grader should say
the head fails for hidden states that are not 2-D because torch.mm does not broadcast (use @/matmul)."""

import torch
from torch import nn


class ReverseEmbedding(nn.Module):
    def __init__(self, embedding: nn.Embedding):
        super().__init__()
        self.weight = embedding.weight

    def forward(self, hidden: torch.Tensor) -> torch.Tensor:
        """hidden: (..., d) -> logits (..., V)."""
        return torch.mm(hidden, self.weight.t())
