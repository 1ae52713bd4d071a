"""Adversarial (s25): an output cut from the graph by .data: the 'gradient tracking switched off' reading

MISTAKE: forward multiplies by embedding.weight.data.T ('no need to track the weight'): the head's gradient never reaches the weight.
"""

import math

import torch
from torch import nn

class ReverseEmbedding(nn.Module):
    def __init__(self, embedding: nn.Embedding):
        super().__init__()
        self.embedding = embedding

    def forward(self, hidden):
        return hidden @ self.embedding.weight.data.T
