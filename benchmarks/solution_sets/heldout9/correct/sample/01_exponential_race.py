"""CORRECT: exponential race: argmin of E_j / p_j with E_j ~ Exp(1) from exponential_(generator=...); zero-probability tokens get +inf."""

import torch


def sample(probs: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
    """probs: (N, V) -> (N,) int64 token ids."""
    e = torch.empty(probs.shape, dtype=torch.float64, device=probs.device).exponential_(1.0, generator=generator)
    p = probs.double()
    race = torch.where(p > 0, e / p, torch.full_like(e, float("inf")))
    return torch.argmin(race, dim=-1).to(torch.int64)
