"""
MISTAKE: A single uniform number is drawn (`torch.rand(1, generator=generator)`) and broadcast to every row, so the rows are not independent: all rows with the same distribution get the same token.
EXPECTED DIAGNOSIS: One random number shared across the batch: draw one uniform per row, `torch.rand(N, 1, generator=generator)`; the pooled token counts are far from the probabilities.
"""

import torch


def sample(probs: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
    """probs: (N, V) -> (N,) int64 token ids."""
    cdf = torch.cumsum(probs, dim=1)
    u = torch.rand(1, generator=generator, dtype=probs.dtype)
    ids = (cdf <= u).sum(dim=1)
    return ids.clamp_max(probs.shape[1] - 1).to(torch.int64)
