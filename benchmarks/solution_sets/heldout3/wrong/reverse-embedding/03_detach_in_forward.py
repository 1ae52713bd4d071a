"""
MISTAKE: Detaches the weight in forward ('so the embedding is not updated twice'), so no gradient flows from the head into embedding.weight.
EXPECTED DIAGNOSIS: Detaching cuts the head's gradient: embedding.weight.grad only gets the input-side contribution. Tying means both uses must backpropagate into the same weight and autograd sums them; do not detach.
"""
import torch
from torch import nn


class ReverseEmbedding(nn.Module):
    def __init__(self, embedding: nn.Embedding):
        super().__init__()
        self.embedding = embedding

    def forward(self, hidden: torch.Tensor) -> torch.Tensor:
        # the weight is already trained through the embedding; don't count it twice
        w = self.embedding.weight.detach()
        return torch.matmul(hidden, w.t())
