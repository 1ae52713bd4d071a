"""MISTAKE: flattens hidden to (-1, d) and reshapes the logits back to `(hidden.shape[0], -1)`,
    so a (2, 5, d) input returns (2, 5*V) and a (d,) input is reshaped to (d, V/d) or raises;
    2-D inputs are right.

EXPECTED DIAGNOSIS: Restore all leading dimensions: `.reshape(*hidden.shape[:-1], V)` (or skip
    the flattening, matmul broadcasts).
"""

import torch
from torch import nn


class ReverseEmbedding(nn.Module):
    def __init__(self, embedding: nn.Embedding):
        super().__init__()
        self.embedding = embedding

    def forward(self, hidden: torch.Tensor) -> torch.Tensor:
        """hidden: (..., d) -> logits (..., V)."""
        weight = self.embedding.weight
        flat = hidden.reshape(-1, hidden.shape[-1])
        return (flat @ weight.T).reshape(hidden.shape[0], -1)
