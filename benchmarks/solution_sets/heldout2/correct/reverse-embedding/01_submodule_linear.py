"""CORRECT (embedding kept as a submodule, F.linear with the live weight).
"""
import torch
import torch.nn as nn
import torch.nn.functional as F


class ReverseEmbedding(nn.Module):
    """Keeps the embedding as a submodule: the only parameter exposed is its weight."""

    def __init__(self, embedding: nn.Embedding):
        super().__init__()
        self.tied = embedding

    def forward(self, hidden: torch.Tensor) -> torch.Tensor:
        return F.linear(hidden, self.tied.weight)   # hidden @ weight.T
