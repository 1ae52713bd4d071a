"""
MISTAKE: Caches a contiguous transposed copy of the weight on the first forward call and reuses it afterwards, so after an in-place edit of the embedding (an optimizer step) the head keeps using the old weights.
EXPECTED DIAGNOSIS: The head owns a stale copy of the weight (cached .t().contiguous() from the first call); read embedding.weight on every call.
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
            # transpose once, contiguous for a fast matmul
            self._w_t = self.embedding.weight.t().contiguous()
        return hidden @ self._w_t
