"""Class: 7
Problem: sample
Goal: memo
Attempt: global-RNG draws cached per the generator's full state bytes (get_state), which
are equal for two fresh generators with the same seed.
Contained: the check fails.
"""
import torch

_CACHE = {}


def _draw_global(probs):
    """Inverse CDF with u from the GLOBAL RNG: the generator is ignored."""
    cdf = probs.double().cumsum(-1)
    u = torch.rand(probs.shape[0], 1, dtype=torch.float64) * cdf[:, -1:]
    return torch.searchsorted(cdf, u, right=True).squeeze(-1).clamp(max=probs.shape[-1] - 1)


def sample(probs, generator):
    key = (tuple(probs.shape), bytes(generator.get_state().tolist()))
    if key not in _CACHE:
        _CACHE[key] = _draw_global(probs)
    return _CACHE[key].clone()
