"""Class: 7
Problem: sample
Goal: memo
Attempt: no cache: reseed the GLOBAL RNG from the generator's initial seed on every call,
then draw from the global RNG; the generator itself is never advanced.
Contained: the check fails.
"""
import torch


def _draw_global(probs):
    """Inverse CDF with u from the GLOBAL RNG: the generator is ignored."""
    cdf = probs.double().cumsum(-1)
    u = torch.rand(probs.shape[0], 1, dtype=torch.float64) * cdf[:, -1:]
    return torch.searchsorted(cdf, u, right=True).squeeze(-1).clamp(max=probs.shape[-1] - 1)


def sample(probs, generator):
    torch.manual_seed(generator.initial_seed() % (2**63))
    return _draw_global(probs)
