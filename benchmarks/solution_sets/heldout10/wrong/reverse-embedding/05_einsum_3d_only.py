"""WRONG: ties the weight correctly but hard-codes a batched 3-D contraction
torch.einsum('btd,vd->btv', hidden, weight). Mistake: the head only accepts (N, T, d) hidden states;
(N, d) and a single (d,) vector raise an einsum error although the statement allows any number of
leading dims; a good grader should say the head fails on 1-D and 2-D hidden states because the einsum
subscripts assume exactly 3 dimensions (use '...d,vd->...v' or @)."""

import torch
from torch import nn


class ReverseEmbedding(nn.Module):
    def __init__(self, embedding: nn.Embedding):
        super().__init__()
        self.embedding = embedding

    def forward(self, hidden: torch.Tensor) -> torch.Tensor:
        """hidden: (..., d) -> logits (..., V)."""
        return torch.einsum("btd,vd->btv", hidden, self.embedding.weight)
