"""
MISTAKE: Uses self.embedding.weight.detach() in forward, so values and in-place edits are right but the head's gradient never reaches embedding.weight (only the input embedding's gradient arrives).
EXPECTED DIAGNOSIS: The weight was detached: the output use contributes no gradient; use the weight itself (no .detach() / .data) so autograd sums both uses.
"""

import torch
from torch import nn
import torch.nn.functional as F


class ReverseEmbedding(nn.Module):
    def __init__(self, embedding: nn.Embedding):
        super().__init__()
        self.embedding = embedding

    def forward(self, hidden: torch.Tensor) -> torch.Tensor:
        """hidden: (..., d) -> logits (..., V)."""
        w = self.embedding.weight.detach()   # the head should not train the embedding twice
        return F.linear(hidden, w)
