"""CORRECT reverse-embedding: keeps the nn.Embedding as a submodule (its weight is the only parameter exposed) and
computes F.linear(hidden, embedding.weight) = hidden @ W.T on every call, so in-place edits show and
gradients reach the shared weight.
"""

import torch
from torch import nn
import torch.nn.functional as F


class ReverseEmbedding(nn.Module):
    def __init__(self, embedding: nn.Embedding):
        super().__init__()
        self.embedding = embedding

    def forward(self, hidden: torch.Tensor) -> torch.Tensor:
        return F.linear(hidden, self.embedding.weight)
