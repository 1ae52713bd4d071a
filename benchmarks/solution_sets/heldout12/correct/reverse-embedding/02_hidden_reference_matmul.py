"""CORRECT reverse-embedding: hides the embedding in a plain Python list (so the head exposes no parameter at all)
and computes torch.matmul(hidden, W.transpose(0, 1)) with W read at call time, cast to hidden's dtype.
"""

import torch
from torch import nn


class ReverseEmbedding(nn.Module):
    def __init__(self, embedding: nn.Embedding):
        super().__init__()
        self._tied = [embedding]

    def forward(self, hidden: torch.Tensor) -> torch.Tensor:
        w = self._tied[0].weight
        return torch.matmul(hidden, w.transpose(0, 1).to(hidden.dtype))
