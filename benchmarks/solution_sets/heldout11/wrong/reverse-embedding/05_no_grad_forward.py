"""WRONG: wraps the head's matmul in torch.no_grad() (thinking the head needs no graph of its own since the weight is
shared), so the logits carry no gradient to the weight: only the embedding use's gradient arrives (and a loss built
only from the head cannot backprop). A good grader should say the head's gradient never reaches embedding.weight.
"""

import torch
from torch import nn

class ReverseEmbedding(nn.Module):
    def __init__(self, embedding: nn.Embedding):
        super().__init__()
        self.embedding = embedding

    def forward(self, hidden: torch.Tensor) -> torch.Tensor:
        """hidden: (..., d) -> logits (..., V)."""
        with torch.no_grad():
            logits = hidden @ self.embedding.weight.T
        return logits
