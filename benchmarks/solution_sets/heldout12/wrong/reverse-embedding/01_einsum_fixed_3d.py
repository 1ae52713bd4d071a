"""WRONG reverse-embedding: forward is einsum("bld,vd->blv", hidden, W), written for (batch, length, d) input.
Mistake: (N, d) and (d,) hidden tensors raise (any number of leading dims is allowed); a good grader should
say the head must accept any leading shape.
"""

import torch
from torch import nn


class ReverseEmbedding(nn.Module):
    def __init__(self, embedding: nn.Embedding):
        super().__init__()
        self.embedding = embedding

    def forward(self, hidden: torch.Tensor) -> torch.Tensor:
        w = self.embedding.weight
        return torch.einsum("bld,vd->blv", hidden, w)
