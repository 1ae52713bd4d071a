"""MISTAKE: returns softmax probabilities instead of plain logits
EXPECTED DIAGNOSIS: The head returns logits hidden @ W.T, no softmax.
"""
import torch
from torch import nn


class ReverseEmbedding(nn.Module):
    def __init__(self, embedding: nn.Embedding):
        super().__init__()
        self.embedding = embedding

    def forward(self, hidden: torch.Tensor) -> torch.Tensor:
        return torch.softmax(hidden @ self.embedding.weight.T, dim=-1)
