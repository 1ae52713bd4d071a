"""MISTAKE: re-wraps embedding.weight.data in a new nn.Parameter: same storage, different leaf object
EXPECTED DIAGNOSIS: nn.Parameter(w.data) is a new parameter: gradients accumulate on it, not on the embedding's weight. Reuse the Parameter object.
"""
import torch
import torch.nn as nn


class ReverseEmbedding(nn.Module):
    def __init__(self, embedding: nn.Embedding):
        super().__init__()
        self.weight = nn.Parameter(embedding.weight.data)

    def forward(self, hidden: torch.Tensor) -> torch.Tensor:
        return hidden @ self.weight.T
