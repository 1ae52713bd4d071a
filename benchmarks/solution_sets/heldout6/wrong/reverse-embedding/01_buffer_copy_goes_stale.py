"""
MISTAKE: Stores a detached clone of the weight as a buffer in __init__ (to avoid a second parameter), so the logits are right at first but go stale after an in-place edit of the embedding and no gradient reaches embedding.weight through the head.
EXPECTED DIAGNOSIS: The head owns a copy of the weight: after embedding.weight is changed in place the output does not follow, and the head's gradient never reaches the embedding; keep a reference to the embedding (or its Parameter) instead.
"""

import torch
from torch import nn


class ReverseEmbedding(nn.Module):
    def __init__(self, embedding: nn.Embedding):
        super().__init__()
        # a buffer is not a parameter, so the parameter count stays the same
        self.register_buffer("w_out", embedding.weight.detach().clone())

    def forward(self, hidden: torch.Tensor) -> torch.Tensor:
        """hidden: (..., d) -> logits (..., V)."""
        return hidden @ self.w_out.T
