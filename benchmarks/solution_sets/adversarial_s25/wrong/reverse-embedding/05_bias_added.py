"""Adversarial (s25): an extra parameter: named as a copy of the weight?

MISTAKE: Adds a bias of zeros registered as a Parameter (nn.Linear habit): outputs right, parameters not.
"""

import math

import torch
from torch import nn

class ReverseEmbedding(nn.Module):
    def __init__(self, embedding: nn.Embedding):
        super().__init__()
        self.embedding = embedding
        self.bias = nn.Parameter(torch.zeros(embedding.weight.shape[0]))

    def forward(self, hidden):
        return hidden @ self.embedding.weight.T + self.bias.to(hidden.dtype)
