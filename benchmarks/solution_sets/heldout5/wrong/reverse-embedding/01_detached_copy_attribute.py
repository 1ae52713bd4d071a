"""
MISTAKE: The constructor stores `embedding.weight.detach().clone()` in a plain attribute, so the module exposes no parameter and the first outputs are right, but the head keeps a snapshot: in-place edits of the embedding (an optimizer step) do not show, and no gradient reaches the embedding through the head.
EXPECTED DIAGNOSIS: The head owns a copy of the weight: after `embedding.weight.add_(delta)` the output is unchanged; keep a reference to the embedding (or its weight Parameter itself) and read it in forward.
"""

import torch
from torch import nn


class ReverseEmbedding(nn.Module):
    def __init__(self, embedding: nn.Embedding):
        super().__init__()
        # snapshot of the table, (V, d); no new parameter is registered
        self.table = embedding.weight.detach().clone()

    def forward(self, hidden: torch.Tensor) -> torch.Tensor:
        """hidden: (..., d) -> logits (..., V)."""
        return hidden @ self.table.T
