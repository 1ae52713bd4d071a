"""MISTAKE: stores embedding.weight.data (a plain tensor sharing memory) and uses it in forward
EXPECTED DIAGNOSIS: .data is detached from autograd: outputs follow in-place edits, but no gradient from the head reaches embedding.weight.
"""
import torch
from torch import nn


class ReverseEmbedding(nn.Module):
    def __init__(self, embedding: nn.Embedding):
        super().__init__()
        self.table = embedding.weight.data

    def forward(self, hidden: torch.Tensor) -> torch.Tensor:
        return hidden @ self.table.T
