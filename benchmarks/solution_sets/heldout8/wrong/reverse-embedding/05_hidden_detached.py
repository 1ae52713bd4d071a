"""
MISTAKE: Detaches hidden inside the head (thinking only the weight needs a gradient), so the gradient that should flow back through the hidden states into the input embedding's rows is lost; only the head's own use of the weight gets a gradient.
EXPECTED DIAGNOSIS: Gradients are cut: hidden.detach() stops the backward pass through the hidden states, so embedding.weight.grad misses the input (embedding lookup) use's contribution.
"""

import torch
import torch.nn.functional as F
from torch import nn


class ReverseEmbedding(nn.Module):
    def __init__(self, embedding: nn.Embedding):
        super().__init__()
        self.weight = embedding.weight          # the very same Parameter object (tied)

    def forward(self, hidden: torch.Tensor) -> torch.Tensor:
        """hidden: (..., d) -> logits (..., V)."""
        # only the tied weight should learn through the head
        return F.linear(hidden.detach(), self.weight)
