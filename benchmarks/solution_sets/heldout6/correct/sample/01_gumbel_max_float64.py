"""
CORRECT: Gumbel-max in float64: argmax(log p - log E) with E ~ Exponential(1) drawn by exponential_(generator=generator); zero-probability tokens have log 0 = -inf and never win.
"""

import torch


def sample(probs: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
    """probs: (N, V) -> (N,) int64 token ids."""
    p = probs.to(torch.float64)
    noise = torch.empty(p.shape, dtype=torch.float64).exponential_(generator=generator)
    keys = torch.log(p) - torch.log(noise)
    return torch.argmax(keys, dim=-1).to(torch.int64)
