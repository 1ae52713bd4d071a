"""
MISTAKE: The head uses the row-normalised embedding (cosine logits).
"""
import torch
from torch import nn


class ReverseEmbedding(nn.Module):
    def __init__(self, embedding):
        super().__init__()
        self.embedding = embedding

    def forward(self, hidden):
        w = self.embedding.weight
        return hidden @ (w / w.norm(dim=-1, keepdim=True)).T
