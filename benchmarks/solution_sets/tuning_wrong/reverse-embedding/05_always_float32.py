"""reverse-embedding: a realistic wrong solution (tuning set).

MISTAKE: computes in float32 whatever the input
EXPECTED DIAGNOSIS: dtype not kept
KEYWORDS: dtype
"""
import torch
from torch import nn


class ReverseEmbedding(nn.Module):
    def __init__(self, embedding):
        super().__init__()
        self.embedding = embedding

    def forward(self, hidden):
        return hidden.float() @ self.embedding.weight.float().T
