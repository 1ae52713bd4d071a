"""
MISTAKE: Multiplies hidden by d ** -0.5 before the tied projection (as T5 does for tied embeddings), so every logit is scaled by 1/sqrt(d) instead of being plain hidden @ weight.T.
EXPECTED DIAGNOSIS: Scaled logits: the head is exactly hidden @ embedding.weight.T with no scale; drop the d ** -0.5 factor.
"""

import torch
from torch import nn


class ReverseEmbedding(nn.Module):
    def __init__(self, embedding: nn.Embedding):
        super().__init__()
        self.embedding = embedding

    def forward(self, hidden: torch.Tensor) -> torch.Tensor:
        """hidden: (..., d) -> logits (..., V)."""
        W = self.embedding.weight
        d = W.shape[1]
        # rescale before the tied projection (Mesh TensorFlow / T5 convention)
        hidden = hidden * (d ** -0.5)
        return hidden @ W.T
