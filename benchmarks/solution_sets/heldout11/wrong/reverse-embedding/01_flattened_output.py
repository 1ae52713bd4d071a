"""WRONG: flattens hidden to (-1, d) for a 2-D matmul and returns the (-1, V) result without restoring the leading
dimensions: (N, T, d) gives (N*T, V) and (d,) gives (1, V); tying is right. A good grader should say the output shape
is wrong (leading dims flattened).
"""

import torch
from torch import nn

class ReverseEmbedding(nn.Module):
    def __init__(self, embedding: nn.Embedding):
        super().__init__()
        self.embedding = embedding

    def forward(self, hidden: torch.Tensor) -> torch.Tensor:
        """hidden: (..., d) -> logits (..., V)."""
        return hidden.reshape(-1, hidden.shape[-1]) @ self.embedding.weight.T
