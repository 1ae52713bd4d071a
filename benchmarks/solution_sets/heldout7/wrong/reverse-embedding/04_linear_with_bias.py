"""
MISTAKE: Uses `nn.Linear(d, V)` with its weight replaced by embedding.weight but leaves the default bias on, adding a randomly initialised extra parameter to the logits.
EXPECTED DIAGNOSIS: The head has an extra bias parameter (nn.Linear's default bias=True): the logits are shifted and the module exposes a parameter that is not embedding.weight; use bias=False.
"""
import torch
from torch import nn


class ReverseEmbedding(nn.Module):
    def __init__(self, embedding: nn.Embedding):
        super().__init__()
        V, d = embedding.weight.shape
        self.proj = nn.Linear(d, V, dtype=embedding.weight.dtype)
        self.proj.weight = embedding.weight   # tie

    def forward(self, hidden: torch.Tensor) -> torch.Tensor:
        return self.proj(hidden)
