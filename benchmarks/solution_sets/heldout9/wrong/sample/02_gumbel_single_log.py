"""MISTAKE: Gumbel-max slip: uses `argmax(log p - log u)` (i.e. argmax p/u, exponential-like
    noise from one log) instead of `argmax(log p - log(-log u))`; the draws are biased towards
    likely tokens (argmax p/u over-weights them); only uniform and one-hot rows come out
    right.

EXPECTED DIAGNOSIS: Gumbel noise is -log(-log u), two logs; with one log the argmax does not
    follow p.
"""

import math

import torch


def sample(probs: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
    """probs: (N, V) -> (N,) int64 token ids."""
    u = torch.rand(probs.shape, generator=generator, dtype=probs.dtype)
    return torch.argmax(torch.log(probs) - torch.log(u), dim=-1)
