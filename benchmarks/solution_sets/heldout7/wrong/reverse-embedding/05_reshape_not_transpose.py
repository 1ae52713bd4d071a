"""
MISTAKE: Computes `hidden @ weight.reshape(d, V)` instead of `hidden @ weight.T`, which has the right shape but wrong values (only d = 1 or V = 1 coincide).
EXPECTED DIAGNOSIS: The head must use the transpose of the embedding weight; reshape reinterprets memory and scrambles token columns.
"""
import torch
from torch import nn


class ReverseEmbedding(nn.Module):
    def __init__(self, embedding: nn.Embedding):
        super().__init__()
        self.embedding = embedding

    def forward(self, hidden: torch.Tensor) -> torch.Tensor:
        W = self.embedding.weight
        V, d = W.shape
        return hidden @ W.reshape(d, V)
