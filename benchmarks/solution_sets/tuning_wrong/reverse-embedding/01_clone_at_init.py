"""reverse-embedding: a realistic wrong solution (tuning set).

MISTAKE: keeps a clone of the weight taken in __init__ (a buffer)
EXPECTED DIAGNOSIS: the head keeps a copy of the weight
KEYWORDS: copy
"""
import torch
from torch import nn


class ReverseEmbedding(nn.Module):
    def __init__(self, embedding):
        super().__init__()
        self.register_buffer("w", embedding.weight.detach().clone())

    def forward(self, hidden):
        return hidden @ self.w.T
