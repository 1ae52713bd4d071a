"""CORRECT: keeps the embedding as a submodule; forward uses self.embedding.weight.T
"""
import torch
from torch import nn


class ReverseEmbedding(nn.Module):
    def __init__(self, embedding: nn.Embedding):
        super().__init__()
        self.embedding = embedding

    def forward(self, hidden: torch.Tensor) -> torch.Tensor:
        return hidden @ self.embedding.weight.T
