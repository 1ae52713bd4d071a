"""MISTAKE: keeps the module but multiplies by embedding.weight.data in forward, so no gradient flows to the weight
EXPECTED DIAGNOSIS: .data bypasses autograd: the head's gradient never reaches the tied weight; use embedding.weight directly.
"""
import torch
import torch.nn as nn


class ReverseEmbedding(nn.Module):
    def __init__(self, embedding: nn.Embedding):
        super().__init__()
        self.embedding = embedding

    def forward(self, hidden: torch.Tensor) -> torch.Tensor:
        return hidden @ self.embedding.weight.data.T
