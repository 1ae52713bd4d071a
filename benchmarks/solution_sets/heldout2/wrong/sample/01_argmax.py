"""MISTAKE: returns the most likely token of each row (greedy argmax) instead of drawing
EXPECTED DIAGNOSIS: Sampling must draw token j with probability p_j; argmax always returns the mode.
"""
import torch


def sample(probs: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
    N, V = probs.shape
    _ = torch.rand(N, 1, generator=generator)
    idx = probs.argmax(dim=-1)
    return idx.clamp(max=V - 1).to(torch.int64)
