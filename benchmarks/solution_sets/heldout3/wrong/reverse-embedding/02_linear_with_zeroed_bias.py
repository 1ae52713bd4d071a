"""
MISTAKE: Builds nn.Linear(d, V) with its weight set to the embedding's weight but keeps the bias (zero-initialised), so the module exposes an extra bias parameter.
EXPECTED DIAGNOSIS: The tied head has no bias: use nn.Linear(..., bias=False) or a plain matmul. The zero bias gives the right logits now, but it is an extra, trainable parameter that is not the embedding's weight.
"""
import torch
from torch import nn


class ReverseEmbedding(nn.Module):
    def __init__(self, embedding: nn.Embedding):
        super().__init__()
        V, d = embedding.weight.shape
        self.proj = nn.Linear(d, V, dtype=embedding.weight.dtype)
        self.proj.weight = embedding.weight          # tie
        nn.init.zeros_(self.proj.bias)               # start neutral

    def forward(self, hidden: torch.Tensor) -> torch.Tensor:
        return self.proj(hidden)
