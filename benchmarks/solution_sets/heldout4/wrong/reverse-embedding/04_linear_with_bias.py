"""
MISTAKE: Uses nn.Linear(d, V) with its default bias=True and replaces only the weight with embedding.weight, so the module exposes an extra bias parameter and adds a random bias to every logit.
EXPECTED DIAGNOSIS: Your module has a bias parameter: a tied head is hidden @ W.T only; build the Linear with bias=False (or use no Linear at all).
"""
import torch
from torch import nn


class ReverseEmbedding(nn.Module):
    def __init__(self, embedding: nn.Embedding):
        super().__init__()
        num_embeddings, embedding_dim = embedding.weight.shape
        self.proj = nn.Linear(embedding_dim, num_embeddings, dtype=embedding.weight.dtype)
        self.proj.weight = embedding.weight

    def forward(self, hidden: torch.Tensor) -> torch.Tensor:
        """hidden: (..., d) -> logits (..., V)."""
        return self.proj(hidden)
