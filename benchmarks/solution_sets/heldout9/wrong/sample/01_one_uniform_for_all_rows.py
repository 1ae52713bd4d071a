"""MISTAKE: draws a single uniform `torch.rand(1, 1, generator=...)` and broadcasts it to every
    row, so rows are not independent: all rows with the same distribution get the same token
    in a call; per-row marginals over calls are right but a batch's frequencies are wildly
    off.

EXPECTED DIAGNOSIS: Draw one independent uniform per row: `torch.rand(N, 1,
    generator=generator)`.
"""

import math

import torch


def sample(probs: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
    """probs: (N, V) -> (N,) int64 token ids."""
    cdf = torch.cumsum(probs, dim=-1)
    u = torch.rand(1, 1, generator=generator, dtype=probs.dtype) * cdf[:, -1:]
    idx = (cdf <= u).sum(dim=-1)
    return idx.clamp(max=probs.shape[1] - 1).to(torch.int64)
