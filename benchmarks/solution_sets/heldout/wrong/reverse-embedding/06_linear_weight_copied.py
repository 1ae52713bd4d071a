"""MISTAKE: nn.Linear(bias=False) with its weight filled by copy_ from the embedding
EXPECTED DIAGNOSIS: copy_ into the Linear's own Parameter makes a separate weight: stale after the embedding changes, two parameters, split gradients.
"""
import torch
from torch import nn


class ReverseEmbedding(nn.Module):
    def __init__(self, embedding: nn.Embedding):
        super().__init__()
        V, d = embedding.weight.shape
        self.out = nn.Linear(d, V, bias=False, dtype=embedding.weight.dtype)
        with torch.no_grad():
            self.out.weight.copy_(embedding.weight)

    def forward(self, hidden: torch.Tensor) -> torch.Tensor:
        return self.out(hidden)
