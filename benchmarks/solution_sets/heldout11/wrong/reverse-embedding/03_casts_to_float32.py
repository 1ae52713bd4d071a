"""WRONG: computes hidden.float() @ weight.float().T, so float64 hidden states come back as float32 logits (dtype not
kept); float32 cases are right. A good grader should say the float64 case returns float32.
"""

import torch
from torch import nn

class ReverseEmbedding(nn.Module):
    def __init__(self, embedding: nn.Embedding):
        super().__init__()
        self.embedding = embedding

    def forward(self, hidden: torch.Tensor) -> torch.Tensor:
        """hidden: (..., d) -> logits (..., V)."""
        return hidden.float() @ self.embedding.weight.float().T
