"""Problem 8 - reverse-embedding.  Run `grader show reverse-embedding` for the statement.

Write `class ReverseEmbedding(nn.Module)`: an output head tied to an input embedding.

    ReverseEmbedding(embedding)(hidden) == hidden @ embedding.weight.T     # (..., d) -> (..., V)

Tied means ONE weight: every parameter the module exposes (it may expose none) is
`embedding.weight` itself, never a copy (clone), a new Parameter or a detached tensor.
In-place edits of the embedding show in the head's output, and gradients from both uses
(embedding on input, head on output) add up in embedding.weight.grad.
"""

import torch
from torch import nn


class ReverseEmbedding(nn.Module):
    def __init__(self, embedding: nn.Embedding):
        super().__init__()
        raise NotImplementedError("reverse-embedding: implement ReverseEmbedding.__init__(embedding)")

    def forward(self, hidden: torch.Tensor) -> torch.Tensor:
        """hidden: (..., d) -> logits (..., V)."""
        raise NotImplementedError("reverse-embedding: implement ReverseEmbedding.forward(hidden)")
