"""
MISTAKE: Wraps the embedding's storage in a new Parameter (`nn.Parameter(embedding.weight.data)`): in-place edits show, but it is a second Parameter object, so the model has two parameters and the head's gradient never reaches embedding.weight.grad.
EXPECTED DIAGNOSIS: The exposed parameter is a new Parameter over the same memory, not `embedding.weight` itself; the embedding's grad misses the head's contribution. Store the embedding (or its weight object) directly.
"""
import torch
from torch import nn


class ReverseEmbedding(nn.Module):
    def __init__(self, embedding: nn.Embedding):
        super().__init__()
        # share memory with the embedding (no copy)
        self.tied_weight = nn.Parameter(embedding.weight.data)

    def forward(self, hidden: torch.Tensor) -> torch.Tensor:
        return torch.matmul(hidden, self.tied_weight.t())
