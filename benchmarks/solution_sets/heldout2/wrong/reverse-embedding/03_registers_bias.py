"""MISTAKE: registers an extra output bias Parameter (a new tensor the module exposes)
EXPECTED DIAGNOSIS: Every exposed parameter must be the embedding weight itself; the extra bias is a new parameter the contract forbids.
"""
import torch
import torch.nn as nn


class ReverseEmbedding(nn.Module):
    def __init__(self, embedding: nn.Embedding):
        super().__init__()
        self.weight = embedding.weight
        self.bias = nn.Parameter(torch.zeros(embedding.weight.shape[0]))

    def forward(self, hidden: torch.Tensor) -> torch.Tensor:
        return hidden @ self.weight.T
