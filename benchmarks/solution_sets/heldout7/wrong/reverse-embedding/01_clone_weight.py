"""
MISTAKE: Registers `nn.Parameter(embedding.weight.clone())` in __init__, so the head owns a copy that goes stale after in-place edits and gets its own gradient.
EXPECTED DIAGNOSIS: The head owns a copy of the weight (a new Parameter from clone()): it is a second parameter, in-place edits of the embedding do not show, and gradients are split.
"""
import torch
from torch import nn


class ReverseEmbedding(nn.Module):
    def __init__(self, embedding: nn.Embedding):
        super().__init__()
        # initialise the output projection from the embedding
        self.weight = nn.Parameter(embedding.weight.clone())

    def forward(self, hidden: torch.Tensor) -> torch.Tensor:
        return hidden @ self.weight.T
