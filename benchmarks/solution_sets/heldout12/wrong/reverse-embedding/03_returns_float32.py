"""WRONG reverse-embedding: returns (hidden @ W.T).float().
Mistake: float64 hidden states come back float32; a good grader should say the output must keep hidden's
dtype.
"""

import torch
from torch import nn


class ReverseEmbedding(nn.Module):
    def __init__(self, embedding: nn.Embedding):
        super().__init__()
        self.embedding = embedding

    def forward(self, hidden: torch.Tensor) -> torch.Tensor:
        w = self.embedding.weight
        return (hidden @ w.T).float()
