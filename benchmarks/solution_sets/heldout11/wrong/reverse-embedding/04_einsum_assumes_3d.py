"""WRONG: hard-codes the einsum pattern 'btd,vd->btv', so only (N, T, d) hidden states work; (N, d) and (d,) inputs
raise. A good grader should say 2-D and 1-D hidden states crash because the code assumes a 3-D input.
"""

import torch
from torch import nn

class ReverseEmbedding(nn.Module):
    def __init__(self, embedding: nn.Embedding):
        super().__init__()
        self.embedding = embedding

    def forward(self, hidden: torch.Tensor) -> torch.Tensor:
        """hidden: (..., d) -> logits (..., V)."""
        return torch.einsum("btd,vd->btv", hidden, self.embedding.weight)
