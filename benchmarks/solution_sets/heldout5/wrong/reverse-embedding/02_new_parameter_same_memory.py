"""
MISTAKE: The weight is re-wrapped as `nn.Parameter(embedding.weight)`: a second Parameter object over the same memory, so outputs and in-place edits look right, but the module exposes a parameter that is not `embedding.weight` (two parameters in a combined model) and the head's gradient goes to the new Parameter, not to the embedding's weight.
EXPECTED DIAGNOSIS: Not tied: `nn.Parameter(embedding.weight)` makes a new Parameter sharing memory; assign the existing Parameter (`self.weight = embedding.weight`) or keep the embedding as a submodule, so there is one parameter and both gradients add up in it.
"""

import torch
from torch import nn


class ReverseEmbedding(nn.Module):
    def __init__(self, embedding: nn.Embedding):
        super().__init__()
        self.weight = nn.Parameter(embedding.weight)     # share the embedding's weight

    def forward(self, hidden: torch.Tensor) -> torch.Tensor:
        """hidden: (..., d) -> logits (..., V)."""
        return torch.matmul(hidden, self.weight.t())
