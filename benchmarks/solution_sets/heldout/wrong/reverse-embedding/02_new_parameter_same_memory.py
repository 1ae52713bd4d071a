"""MISTAKE: wraps the weight in a new nn.Parameter(embedding.weight) sharing its memory
EXPECTED DIAGNOSIS: A second Parameter over the same memory: outputs follow in-place edits, but it is a different tensor, so the parameter count doubles and the head's gradient goes to the new Parameter, not to embedding.weight.
"""
import torch
from torch import nn


class ReverseEmbedding(nn.Module):
    def __init__(self, embedding: nn.Embedding):
        super().__init__()
        self.w = nn.Parameter(embedding.weight)

    def forward(self, hidden):
        return hidden.matmul(self.w.t())
