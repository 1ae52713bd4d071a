"""
MISTAKE: The head keeps embedding.weight but forward divides the logits by sqrt(d) (an attention habit).
"""
import math
import torch
from torch import nn


class ReverseEmbedding(nn.Module):
    def __init__(self, embedding):
        super().__init__()
        self.embedding = embedding

    def forward(self, hidden):
        w = self.embedding.weight
        return hidden @ w.T / math.sqrt(w.shape[1])
