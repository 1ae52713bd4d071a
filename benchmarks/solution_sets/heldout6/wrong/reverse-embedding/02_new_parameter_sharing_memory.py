"""
MISTAKE: Wraps the weight in a new nn.Parameter(embedding.weight) in __init__, which shares memory (so outputs and in-place edits look right) but is a second Parameter object: the model has two (V, d) parameters and the head's gradient lands on the new one, not on embedding.weight.
EXPECTED DIAGNOSIS: A second Parameter over the same memory: the exposed parameter is not embedding.weight itself, so a ModuleDict counts two parameters and the gradients of the two uses are split; assign self.weight = embedding.weight (the same object) instead.
"""

import torch
from torch import nn


class ReverseEmbedding(nn.Module):
    def __init__(self, embedding: nn.Embedding):
        super().__init__()
        self.weight = nn.Parameter(embedding.weight)   # tie: same storage

    def forward(self, hidden: torch.Tensor) -> torch.Tensor:
        """hidden: (..., d) -> logits (..., V)."""
        return torch.matmul(hidden, self.weight.t())
