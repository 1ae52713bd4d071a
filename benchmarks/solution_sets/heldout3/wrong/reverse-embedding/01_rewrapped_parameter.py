"""
MISTAKE: Stores nn.Parameter(embedding.weight): a NEW Parameter object over the same memory, so the module exposes a second parameter and head gradients go to it, not to the embedding's weight.
EXPECTED DIAGNOSIS: nn.Parameter(p) makes a new leaf tensor sharing storage. Outputs and in-place edits look right, but the head has its own parameter and its gradient never reaches embedding.weight. Keep a reference to the embedding (or its weight) instead.
"""
import torch
from torch import nn


class ReverseEmbedding(nn.Module):
    def __init__(self, embedding: nn.Embedding):
        super().__init__()
        self.weight = nn.Parameter(embedding.weight)  # share the embedding's weight

    def forward(self, hidden: torch.Tensor) -> torch.Tensor:
        return hidden @ self.weight.T
