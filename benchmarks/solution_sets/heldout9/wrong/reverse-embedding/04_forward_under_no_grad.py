"""MISTAKE: wraps the forward in `torch.no_grad()` (thinking of it as pure inference), so the
    logits carry no graph: the head contributes no gradient to embedding.weight and a loss
    built only through the head cannot backward; values and parameters are right.

EXPECTED DIAGNOSIS: Don't disable autograd in forward: the head's matmul must stay in the
    graph so its gradient reaches the shared weight.
"""

import torch
from torch import nn


class ReverseEmbedding(nn.Module):
    def __init__(self, embedding: nn.Embedding):
        super().__init__()
        self.embedding = embedding

    def forward(self, hidden: torch.Tensor) -> torch.Tensor:
        """hidden: (..., d) -> logits (..., V)."""
        weight = self.embedding.weight
        with torch.no_grad():
            return hidden @ weight.T
