"""
MISTAKE: Wraps the weight in a new nn.Parameter(embedding.weight): it shares memory (in-place edits show) but is a second Parameter object, so the model has two parameters and the head's gradient goes to the new one, not to embedding.weight.
EXPECTED DIAGNOSIS: Your parameter is a second Parameter over the same memory, not embedding.weight itself: the parameter count doubles and gradients split; assign self.weight = embedding.weight (the same object).
"""
import torch
from torch import nn


class ReverseEmbedding(nn.Module):
    def __init__(self, embedding: nn.Embedding):
        super().__init__()
        self.vocab_size, self.dim = embedding.weight.shape
        self.tied = nn.Parameter(embedding.weight)

    def forward(self, hidden: torch.Tensor) -> torch.Tensor:
        """hidden: (..., d) -> logits (..., V)."""
        return torch.matmul(hidden, self.tied.t())
