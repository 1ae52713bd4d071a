"""WRONG: keeps the embedding as a submodule (parameters are fine) but caches
weight.t().contiguous() on the first forward call and reuses it afterwards "to avoid re-transposing".
Mistake: .contiguous() of the transpose is a copy, so after an in-place edit of the embedding weight
(an optimizer step) the head still uses the old values; a good grader should say the output does not
follow in-place updates of the embedding because the head caches a copy of the transposed weight."""

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
