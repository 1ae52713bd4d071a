"""Adversarial (s25): aliasing rule half kept: named as a copy?

MISTAKE: Registers nn.Parameter(embedding.weight.data): shares storage (edits show) but is a second Parameter (gradients split).
"""

import math

import torch
from torch import nn

class ReverseEmbedding(nn.Module):
    def __init__(self, embedding: nn.Embedding):
        super().__init__()
        self.weight = nn.Parameter(embedding.weight.data)

    def forward(self, hidden):
        return hidden @ self.weight.T
