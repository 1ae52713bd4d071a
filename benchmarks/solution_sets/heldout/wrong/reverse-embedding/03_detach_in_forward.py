"""MISTAKE: uses embedding.weight.detach() in forward
EXPECTED DIAGNOSIS: Detaching cuts the head's gradient path: embedding.weight.grad only receives the input use's gradient.
"""
import torch
from torch import nn


class ReverseEmbedding(nn.Module):
    def __init__(self, embedding: nn.Embedding):
        super().__init__()
        self.embedding = embedding

    def forward(self, hidden: torch.Tensor) -> torch.Tensor:
        w = self.embedding.weight.detach()
        return hidden @ w.T
