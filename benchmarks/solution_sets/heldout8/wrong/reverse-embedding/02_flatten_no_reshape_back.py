"""
MISTAKE: Flattens hidden to (-1, d) for a 2-D matmul and returns the (prod(leading), V) result without restoring the leading dimensions ((2, 5, d) -> (10, V), (d,) -> (1, V)).
EXPECTED DIAGNOSIS: Output shape is wrong for inputs that are not 2-D: reshape the result back to hidden.shape[:-1] + (V,).
"""

import torch
from torch import nn


class ReverseEmbedding(nn.Module):
    def __init__(self, embedding: nn.Embedding):
        super().__init__()
        self.emb = embedding

    def forward(self, hidden: torch.Tensor) -> torch.Tensor:
        """hidden: (..., d) -> logits (..., V)."""
        W = self.emb.weight                       # (V, d)
        flat = hidden.reshape(-1, W.shape[1])     # (M, d)
        return torch.mm(flat, W.t())              # (M, V)
