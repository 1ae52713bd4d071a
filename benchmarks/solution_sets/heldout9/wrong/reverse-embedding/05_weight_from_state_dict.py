"""MISTAKE: takes the weight as `embedding.state_dict()['weight']`, which is a detached tensor
    sharing memory (so in-place edits still show and no parameter is exposed), but the head's
    use never sends a gradient to embedding.weight.

EXPECTED DIAGNOSIS: state_dict() returns detached tensors; keep a reference to embedding (or
    embedding.weight itself) so the head's gradient reaches the tied weight.
"""

import torch
from torch import nn


class ReverseEmbedding(nn.Module):
    def __init__(self, embedding: nn.Embedding):
        super().__init__()
        self.weight_ref = embedding.state_dict()['weight']

    def forward(self, hidden: torch.Tensor) -> torch.Tensor:
        """hidden: (..., d) -> logits (..., V)."""
        weight = self.weight_ref
        return hidden @ weight.T
