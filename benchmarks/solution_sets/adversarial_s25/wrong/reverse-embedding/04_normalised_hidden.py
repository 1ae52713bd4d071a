"""Adversarial (s25): a scaled output per row: a fitted scale?

MISTAKE: The hidden states are L2-normalised before the head (cosine-style).
"""

import math

import torch
from torch import nn

class ReverseEmbedding(nn.Module):
    def __init__(self, embedding: nn.Embedding):
        super().__init__()
        self.embedding = embedding

    def forward(self, hidden):
        h = hidden / hidden.norm(dim=-1, keepdim=True)
        return h @ self.embedding.weight.T
