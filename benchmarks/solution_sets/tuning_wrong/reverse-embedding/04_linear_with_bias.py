"""reverse-embedding: a realistic wrong solution (tuning set).

MISTAKE: nn.Linear(d, V) with its weight replaced by the embedding's, bias kept
EXPECTED DIAGNOSIS: the head has a bias
KEYWORDS: bias
"""
import torch
from torch import nn


class ReverseEmbedding(nn.Module):
    def __init__(self, embedding):
        super().__init__()
        V, d = embedding.weight.shape
        self.proj = nn.Linear(d, V)
        self.proj.weight = embedding.weight

    def forward(self, hidden):
        return self.proj(hidden)
