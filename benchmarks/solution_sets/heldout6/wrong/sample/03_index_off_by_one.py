"""
MISTAKE: Returns the last index whose cdf is <= u ((cdf <= u).sum() - 1, clamped at 0) instead of the first index whose cdf exceeds u, shifting each token's mass onto its left neighbour (and letting zero-probability tokens be drawn).
EXPECTED DIAGNOSIS: Index off by one: token j owns [cdf[j-1], cdf[j]), so the draw is the first j with cdf[j] > u, i.e. (cdf <= u).sum(-1); subtracting 1 shifts the distribution.
"""

import torch


def sample(probs: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
    """probs: (N, V) -> (N,) int64 token ids."""
    N, V = probs.shape
    cdf = probs.to(torch.float64).cumsum(-1)
    u = torch.rand(N, 1, generator=generator, dtype=torch.float64)
    # the sampled token is the last bin edge below u
    idx = (cdf <= u).sum(-1) - 1
    return idx.clamp(0, V - 1).long()
