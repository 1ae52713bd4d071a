"""
MISTAKE: Follows T5's tied-head convention and rescales the hidden states by d**-0.5 before the projection, so the logits are `hidden @ W.T / sqrt(d)` instead of plain `hidden @ W.T`.
EXPECTED DIAGNOSIS: Logits are scaled by 1/sqrt(d): the head is exactly `hidden @ embedding.weight.T`, no scale; tying is right (one parameter, gradients add up).
"""

import torch
from torch import nn


class ReverseEmbedding(nn.Module):
    def __init__(self, embedding: nn.Embedding):
        super().__init__()
        self.embedding = embedding
        self.scale = embedding.embedding_dim ** -0.5

    def forward(self, hidden: torch.Tensor) -> torch.Tensor:
        """hidden: (..., d) -> logits (..., V)."""
        # tied heads rescale the hidden state (as in T5) to keep logits in range
        return (hidden * self.scale) @ self.embedding.weight.T
