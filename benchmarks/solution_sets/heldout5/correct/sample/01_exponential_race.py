"""
CORRECT: Exponential race (equivalent to Gumbel-max): argmax of p / E with E ~ Exponential(1) drawn from the generator; zero-probability tokens score 0 and never win.
"""

import torch


def sample(probs: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
    """probs: (N, V) -> (N,) int64 token ids."""
    e = torch.empty(probs.shape, dtype=torch.float64, device=probs.device).exponential_(generator=generator)
    return (probs.to(torch.float64) / e).argmax(dim=-1)
