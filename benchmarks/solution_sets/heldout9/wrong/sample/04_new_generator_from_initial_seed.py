"""MISTAKE: creates a fresh `torch.Generator().manual_seed(generator.initial_seed())` on every
    call instead of drawing from the given generator, so the generator never advances: two
    calls on the same generator return identical draws (each single call is distributed
    correctly).

EXPECTED DIAGNOSIS: Draw from the generator you are given (`generator=generator`) so its state
    advances between calls.
"""

import math

import torch


def sample(probs: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
    """probs: (N, V) -> (N,) int64 token ids."""
    generator = torch.Generator().manual_seed(generator.initial_seed())
    cdf = torch.cumsum(probs, dim=-1)
    u = torch.rand(probs.shape[0], 1, generator=generator, dtype=probs.dtype) * cdf[:, -1:]
    idx = (cdf <= u).sum(dim=-1)
    return idx.clamp(max=probs.shape[1] - 1).to(torch.int64)
