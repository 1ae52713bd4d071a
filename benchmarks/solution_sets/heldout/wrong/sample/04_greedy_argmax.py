"""MISTAKE: returns the argmax of each row instead of drawing
EXPECTED DIAGNOSIS: That is greedy decoding, not sampling: draws must follow the distribution.
"""
import torch


def sample(probs: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
    return probs.argmax(dim=-1)
