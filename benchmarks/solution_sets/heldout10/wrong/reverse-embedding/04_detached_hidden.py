"""WRONG: computes hidden.detach() @ weight.T, detaching the INPUT hidden states "so that the head
only trains the output weights". Mistake: the weight's own gradient from the head is right, but the
gradient that flows back through hidden into the embedding's input use (rows ids, via the model) is
cut, so embedding.weight.grad holds only the head's part; a good grader should say the
embedding-use gradient is missing because the head detaches its input."""

import torch
from torch import nn


class ReverseEmbedding(nn.Module):
    def __init__(self, embedding: nn.Embedding):
        super().__init__()
        self.emb = embedding

    def forward(self, hidden: torch.Tensor) -> torch.Tensor:
        """hidden: (..., d) -> logits (..., V)."""
        return hidden.detach() @ self.emb.weight.T
