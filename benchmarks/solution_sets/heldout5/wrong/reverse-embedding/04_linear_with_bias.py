"""
MISTAKE: The head is an `nn.Linear(d, V)` whose weight is replaced by the embedding's weight, but it keeps the default `bias=True`, so it exposes an extra (randomly initialised) bias parameter and adds it to the logits.
EXPECTED DIAGNOSIS: The head has a parameter of its own (a bias): use `nn.Linear(d, V, bias=False)` with `linear.weight = embedding.weight`, or compute `hidden @ weight.T` directly.
"""

import torch
from torch import nn


class ReverseEmbedding(nn.Module):
    def __init__(self, embedding: nn.Embedding):
        super().__init__()
        V, d = embedding.weight.shape
        self.proj = nn.Linear(d, V, device=embedding.weight.device, dtype=embedding.weight.dtype)
        self.proj.weight = embedding.weight          # tie

    def forward(self, hidden: torch.Tensor) -> torch.Tensor:
        """hidden: (..., d) -> logits (..., V)."""
        return self.proj(hidden)
