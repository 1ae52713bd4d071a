"""MISTAKE: accumulates the CDF over dim=0 (down the batch) instead of over the vocabulary; rows
    then compare u with garbage cumulative sums; wrong for any N > 1 (a single row is right).

EXPECTED DIAGNOSIS: The CDF is per row: `cumsum(dim=-1)`.
"""

import math

import torch


def sample(probs: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
    """probs: (N, V) -> (N,) int64 token ids."""
    cdf = torch.cumsum(probs, dim=0)
    u = torch.rand(probs.shape[0], 1, generator=generator, dtype=probs.dtype) * cdf[:, -1:]
    idx = (cdf <= u).sum(dim=-1)
    return idx.clamp(max=probs.shape[1] - 1).to(torch.int64)
