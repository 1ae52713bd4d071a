"""
MISTAKE: Builds nn.Linear(d, V) with the default bias=True and replaces only its weight with embedding.weight, so the module exposes an extra (V,) bias parameter and adds its random initial values to every logit.
EXPECTED DIAGNOSIS: The head has a parameter of its own (a bias): outputs are off by the bias and the parameter check finds a tensor that is not embedding.weight; use nn.Linear(..., bias=False) or no Linear at all.
"""

import torch
from torch import nn


class ReverseEmbedding(nn.Module):
    def __init__(self, embedding: nn.Embedding):
        super().__init__()
        V, d = embedding.weight.shape
        self.proj = nn.Linear(d, V, dtype=embedding.weight.dtype)
        self.proj.weight = embedding.weight          # tie the weights

    def forward(self, hidden: torch.Tensor) -> torch.Tensor:
        """hidden: (..., d) -> logits (..., V)."""
        return self.proj(hidden)
