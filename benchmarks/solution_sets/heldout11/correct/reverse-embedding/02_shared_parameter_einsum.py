"""CORRECT: registers the very same Parameter object (self.weight = embedding.weight, no copy) and computes the logits
with einsum('...d,vd->...v'); works for (d,), (N, d) and (N, T, d) hidden states.
"""

import torch
from torch import nn

class ReverseEmbedding(nn.Module):
    def __init__(self, embedding: nn.Embedding):
        super().__init__()
        self.weight = embedding.weight  # the same Parameter object: tied, not copied

    def forward(self, hidden: torch.Tensor) -> torch.Tensor:
        """hidden: (..., d) -> logits (..., V)."""
        return torch.einsum("...d,vd->...v", hidden, self.weight)
