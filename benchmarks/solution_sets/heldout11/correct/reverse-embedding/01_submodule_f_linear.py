"""CORRECT: keeps the embedding as a submodule (its only parameter is embedding.weight itself) and computes
F.linear(hidden, weight) = hidden @ weight.T at every call, so in-place edits and both gradients reach the one weight.
"""

import torch
from torch import nn

class ReverseEmbedding(nn.Module):
    def __init__(self, embedding: nn.Embedding):
        super().__init__()
        self.embedding = embedding

    def forward(self, hidden: torch.Tensor) -> torch.Tensor:
        """hidden: (..., d) -> logits (..., V)."""
        return nn.functional.linear(hidden, self.embedding.weight)
