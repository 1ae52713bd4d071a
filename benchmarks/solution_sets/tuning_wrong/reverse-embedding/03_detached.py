"""reverse-embedding: a realistic wrong solution (tuning set).

MISTAKE: keeps embedding.weight.detach() (shares memory, no gradient)
EXPECTED DIAGNOSIS: the weight is detached
KEYWORDS: detached
"""
import torch
from torch import nn


class ReverseEmbedding(nn.Module):
    def __init__(self, embedding):
        super().__init__()
        self.w = embedding.weight.detach()

    def forward(self, hidden):
        return hidden @ self.w.T
