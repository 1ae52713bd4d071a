"""MISTAKE: builds the CDF with `probs.cumsum_(dim=-1)` to save memory, overwriting the caller's
    probabilities with their cumulative sums; the draws are right but probs is changed in
    place.

EXPECTED DIAGNOSIS: Use the out-of-place `torch.cumsum(probs, dim=-1)`; the input distribution
    must not be modified.
"""

import math

import torch


def sample(probs: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
    """probs: (N, V) -> (N,) int64 token ids."""
    cdf = probs.cumsum_(dim=-1)
    u = torch.rand(probs.shape[0], 1, generator=generator, dtype=probs.dtype) * cdf[:, -1:]
    idx = (cdf <= u).sum(dim=-1)
    return idx.clamp(max=probs.shape[1] - 1).to(torch.int64)
