"""WRONG reverse-embedding: flattens hidden to (-1, d), uses torch.mm, and returns the 2-D result without
restoring the leading dimensions.
Mistake: a (2, 5, d) input returns (10, V) instead of (2, 5, V) (and (d,) returns (1, V)); a good grader should
say the output shape must be (..., V).
"""

import torch
from torch import nn


class ReverseEmbedding(nn.Module):
    def __init__(self, embedding: nn.Embedding):
        super().__init__()
        self.embedding = embedding

    def forward(self, hidden: torch.Tensor) -> torch.Tensor:
        w = self.embedding.weight
        return torch.mm(hidden.reshape(-1, hidden.shape[-1]), w.t())
