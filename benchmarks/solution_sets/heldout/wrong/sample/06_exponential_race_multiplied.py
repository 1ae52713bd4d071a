"""MISTAKE: exponential race with argmax(p * E) instead of argmax(p / E)
EXPECTED DIAGNOSIS: argmax(p / E) with E ~ Exp(1) draws j with probability p[j]; multiplying by E gives the wrong (too flat) distribution.
"""
import torch


def sample(probs: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
    # exponential race: argmax p / E with E ~ Exp(1) (equivalent to Gumbel-max)
    e = torch.empty(probs.shape, dtype=torch.float64).exponential_(generator=generator)
    return torch.argmax(probs.double() * e, dim=-1)
