"""CORRECT: exponential race (equivalent to Gumbel-max): E_j ~ Exp(1) from generator via exponential_, token =
argmin(E_j / p_j); zero-probability tokens get E/0 = inf and are never chosen. Uses a fresh tensor, probs untouched.
"""

import torch

def sample(probs: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
    """probs: (N, V) -> (N,) int64 token ids."""
    e = torch.empty(probs.shape, dtype=torch.float64).exponential_(1.0, generator=generator)
    race = e / probs.double()
    return torch.argmin(race, dim=-1).to(torch.int64)
