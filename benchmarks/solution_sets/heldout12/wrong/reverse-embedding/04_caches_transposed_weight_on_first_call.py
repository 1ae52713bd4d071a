"""WRONG reverse-embedding: on the first forward it caches W.t().contiguous() in self._wt and reuses it on every
later call.
Mistake: the cached copy goes stale after an in-place edit (an optimizer step) of the embedding weight; a good
grader should say the head keeps a copy of the weight (later edits do not show).
"""

import torch
from torch import nn


class ReverseEmbedding(nn.Module):
    def __init__(self, embedding: nn.Embedding):
        super().__init__()
        self.embedding = embedding
        self._wt = None

    def forward(self, hidden: torch.Tensor) -> torch.Tensor:
        if self._wt is None:
            self._wt = self.embedding.weight.t().contiguous()
        return hidden @ self._wt
