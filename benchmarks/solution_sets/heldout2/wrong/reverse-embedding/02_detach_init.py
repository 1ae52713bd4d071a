"""MISTAKE: stores embedding.weight.detach(): shares storage but gradients from the head never reach the weight
EXPECTED DIAGNOSIS: detach() cuts the autograd link: the embedding weight gets no gradient from the head. Keep the Parameter itself.
"""
import torch
import torch.nn as nn


class ReverseEmbedding(nn.Module):
    def __init__(self, embedding: nn.Embedding):
        super().__init__()
        self.weight = embedding.weight.detach()

    def forward(self, hidden: torch.Tensor) -> torch.Tensor:
        return hidden @ self.weight.T
