"""
MISTAKE: Stores `embedding.weight.detach()` as a buffer: values and in-place edits are right, but no gradient from the head's use ever reaches embedding.weight.
EXPECTED DIAGNOSIS: The weight is detached: the output head's gradient does not reach embedding.weight.grad (only the input use does); use the weight itself, not `.detach()`/`.data`.
"""
import torch
from torch import nn


class ReverseEmbedding(nn.Module):
    def __init__(self, embedding: nn.Embedding):
        super().__init__()
        # a buffer, so it is not counted as a second parameter
        self.register_buffer("w", embedding.weight.detach(), persistent=False)

    def forward(self, hidden: torch.Tensor) -> torch.Tensor:
        return hidden @ self.w.transpose(0, 1)
