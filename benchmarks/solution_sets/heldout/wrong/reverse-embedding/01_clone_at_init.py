"""MISTAKE: stores embedding.weight.clone() as its own Parameter
EXPECTED DIAGNOSIS: The head owns a copy: right on day one, but in-place edits/optimizer steps of the embedding never show and there are two (V, d) parameters.
"""
import torch
from torch import nn


class ReverseEmbedding(nn.Module):
    def __init__(self, embedding: nn.Embedding):
        super().__init__()
        self.weight = nn.Parameter(embedding.weight.clone())

    def forward(self, hidden: torch.Tensor) -> torch.Tensor:
        return hidden @ self.weight.T
