"""Adversarial (s25): a true float32 step (control)

MISTAKE: Casts the weight to float32 in forward ('for speed'): float64 hidden gets float32 logits cast back.
"""

import math

import torch
from torch import nn

class ReverseEmbedding(nn.Module):
    def __init__(self, embedding: nn.Embedding):
        super().__init__()
        self.embedding = embedding

    def forward(self, hidden):
        return (hidden.float() @ self.embedding.weight.float().T).to(hidden.dtype)
