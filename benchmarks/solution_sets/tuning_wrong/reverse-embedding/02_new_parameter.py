"""reverse-embedding: a realistic wrong solution (tuning set).

MISTAKE: wraps the weight in a new nn.Parameter
EXPECTED DIAGNOSIS: a second Parameter over the embedding's memory
KEYWORDS: own parameter | second parameter
"""
import torch
from torch import nn


class ReverseEmbedding(nn.Module):
    def __init__(self, embedding):
        super().__init__()
        self.w = nn.Parameter(embedding.weight)

    def forward(self, hidden):
        return hidden @ self.w.T
