"""
CORRECT: Exponential race (equivalent to Gumbel-max): `argmax(p / E)` with E ~ Exp(1) drawn via `exponential_(generator=...)`, zero-probability tokens scoring 0.
"""
import torch


def sample(probs: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
    e = torch.empty(probs.shape, dtype=torch.float64).exponential_(generator=generator)
    scores = probs.double() / e
    return scores.argmax(dim=-1)
