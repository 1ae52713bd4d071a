"""Class: 7
Problem: sample
Goal: memo
Attempt: global-RNG draws memoised with functools.lru_cache on a hashable key made from
the probabilities' values and the generator seed (a dataclass key).
Contained: the check fails.
"""
import functools
from dataclasses import dataclass

import torch


def _draw_global(probs):
    """Inverse CDF with u from the GLOBAL RNG: the generator is ignored."""
    cdf = probs.double().cumsum(-1)
    u = torch.rand(probs.shape[0], 1, dtype=torch.float64) * cdf[:, -1:]
    return torch.searchsorted(cdf, u, right=True).squeeze(-1).clamp(max=probs.shape[-1] - 1)


@dataclass(frozen=True)
class _Key:
    shape: tuple
    head: tuple
    seed: int


_PROBS = {}


@functools.lru_cache(maxsize=None)
def _cached(key):
    return _draw_global(_PROBS[key])


def sample(probs, generator):
    key = _Key(tuple(probs.shape), tuple(probs[0].tolist()), generator.initial_seed())
    _PROBS[key] = probs
    return _cached(key).clone()
