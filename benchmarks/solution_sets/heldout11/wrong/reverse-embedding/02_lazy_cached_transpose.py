"""WRONG: caches weight.T.contiguous() (a copy) on the first forward call "for speed" and reuses it afterwards; the first
output is right, but after an in-place edit of the embedding the head still uses the stale copy (and later gradients
flow into a stale graph). A good grader should say the head keeps a copy of the weight that goes stale after an update.
"""

import torch
from torch import nn

class ReverseEmbedding(nn.Module):
    def __init__(self, embedding: nn.Embedding):
        super().__init__()
        self.embedding = embedding
        self._w_t = None

    def forward(self, hidden: torch.Tensor) -> torch.Tensor:
        """hidden: (..., d) -> logits (..., V)."""
        if self._w_t is None:
            self._w_t = self.embedding.weight.t().contiguous()
        return hidden @ self._w_t
