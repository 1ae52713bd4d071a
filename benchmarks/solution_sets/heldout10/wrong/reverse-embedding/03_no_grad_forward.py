"""WRONG: correct tying and logits, but forward is decorated with @torch.no_grad() (copied from
inference code). Mistake: the logits carry no graph, so no gradient reaches embedding.weight through
the head nor through the hidden states (loss.backward() fails or the head's contribution is missing);
a good grader should say the head's output is built without autograd, so the gradient of the output
use never arrives in embedding.weight.grad."""

import torch
from torch import nn


class ReverseEmbedding(nn.Module):
    def __init__(self, embedding: nn.Embedding):
        super().__init__()
        self.embedding = embedding

    @torch.no_grad()
    def forward(self, hidden: torch.Tensor) -> torch.Tensor:
        """hidden: (..., d) -> logits (..., V)."""
        return hidden @ self.embedding.weight.T
