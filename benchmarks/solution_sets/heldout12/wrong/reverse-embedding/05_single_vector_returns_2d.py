"""WRONG reverse-embedding: promotes a single vector (d,) to (1, d) "to make it a batch" and never removes the
added axis.
Mistake: a (d,) input returns (1, V) instead of (V,); a good grader should say a single vector must give a
(V,) output.
"""

import torch
from torch import nn


class ReverseEmbedding(nn.Module):
    def __init__(self, embedding: nn.Embedding):
        super().__init__()
        self.embedding = embedding

    def forward(self, hidden: torch.Tensor) -> torch.Tensor:
        w = self.embedding.weight
        if hidden.dim() == 1:
            hidden = hidden.unsqueeze(0)
        return hidden @ w.T
