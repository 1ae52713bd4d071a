"""
MISTAKE: Keeps embedding.weight.detach() as a plain attribute: it shares memory (outputs and in-place edits look right, no extra parameter) but autograd cannot reach embedding.weight through the head, so only the input embedding's gradient arrives.
EXPECTED DIAGNOSIS: The weight was detached: gradients from the head never reach embedding.weight; use the embedding's weight itself (a reference), not .detach() or .data.
"""
import torch
from torch import nn


class ReverseEmbedding(nn.Module):
    def __init__(self, embedding: nn.Embedding):
        super().__init__()
        # keep a lightweight handle on the table (no extra parameter registered)
        self.table = embedding.weight.detach()

    def forward(self, hidden: torch.Tensor) -> torch.Tensor:
        """hidden: (..., d) -> logits (..., V)."""
        return hidden @ self.table.transpose(0, 1)
