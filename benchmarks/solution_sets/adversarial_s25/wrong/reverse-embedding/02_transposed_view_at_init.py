"""Adversarial (s25): stale view: could be named a copy

MISTAKE: Keeps embedding.weight.T computed once at __init__ (a view): a weight replaced later (embedding.weight = new Parameter) is not seen.
"""

import math

import torch
from torch import nn

class ReverseEmbedding(nn.Module):
    def __init__(self, embedding: nn.Embedding):
        super().__init__()
        self.embedding = embedding
        self.wt = embedding.weight.T

    def forward(self, hidden):
        return hidden @ self.wt
