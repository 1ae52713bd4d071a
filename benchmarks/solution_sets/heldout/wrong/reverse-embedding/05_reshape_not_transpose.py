"""MISTAKE: uses weight.reshape(d, V) (or view) instead of the transpose
EXPECTED DIAGNOSIS: reshape reinterprets memory; token v's embedding is not column v. Use weight.T (only a transpose is right).
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
