"""CORRECT: argmax(p / E), E ~ Exp(1) from exponential_(generator=...)
"""
import torch


def sample(probs: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
    # exponential race: argmax p / E with E ~ Exp(1) (equivalent to Gumbel-max)
    e = torch.empty(probs.shape, dtype=torch.float64).exponential_(generator=generator)
    return torch.argmax(probs.double() / e, dim=-1)
