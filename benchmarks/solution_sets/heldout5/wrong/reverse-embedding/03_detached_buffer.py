"""
MISTAKE: The weight is registered as a buffer of `embedding.weight.detach()`: it shares memory (outputs and in-place edits are right, no extra parameter), but it is cut from autograd, so the head's gradient never reaches the embedding's weight.
EXPECTED DIAGNOSIS: The weight was detached: only the input embedding's gradient arrives in `embedding.weight.grad`; use the Parameter itself (not `.detach()`/`.data`/a buffer) so gradients from both uses add up.
"""

import torch
from torch import nn
import torch.nn.functional as F


class ReverseEmbedding(nn.Module):
    def __init__(self, embedding: nn.Embedding):
        super().__init__()
        # a buffer follows .to(device) and state_dict, and is not a second parameter
        self.register_buffer("tied_weight", embedding.weight.detach(), persistent=False)

    def forward(self, hidden: torch.Tensor) -> torch.Tensor:
        """hidden: (..., d) -> logits (..., V)."""
        return F.linear(hidden, self.tied_weight)
