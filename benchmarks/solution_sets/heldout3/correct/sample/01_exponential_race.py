"""Correct: exponential race. With E_j ~ Exp(1) independent, argmin_j E_j / p_j is distributed as p
(zero-probability tokens get +inf and never win). Randomness from generator via exponential_."""
import torch


def sample(probs: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
    p = probs.to(torch.float64)
    e = torch.empty_like(p).exponential_(1.0, generator=generator)
    race = torch.where(p > 0, e / p, torch.full_like(p, float("inf")))
    return race.argmin(dim=-1).to(torch.int64)
