"""MISTAKE: wraps a clone of the embedding weight in a new nn.Parameter (an untied copy)
EXPECTED DIAGNOSIS: The head must use the embedding's own weight object; a cloned Parameter is untied: edits and gradients no longer reach the embedding.
"""
import torch
import torch.nn as nn


class ReverseEmbedding(nn.Module):
    def __init__(self, embedding: nn.Embedding):
        super().__init__()
        self.weight = nn.Parameter(embedding.weight.clone())

    def forward(self, hidden: torch.Tensor) -> torch.Tensor:
        return hidden @ self.weight.T
