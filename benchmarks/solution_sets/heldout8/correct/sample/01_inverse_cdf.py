"""CORRECT: inverse CDF in float64 with searchsorted, scaled u and clamp"""

import torch


def sample(probs: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
    """probs: (N, V) -> (N,) int64 token ids."""
    N, V = probs.shape
    cdf = torch.cumsum(probs.to(torch.float64), dim=-1)            # (N, V)
    u = torch.rand(N, 1, generator=generator, dtype=torch.float64, device=probs.device)
    u = u * cdf[:, -1:]                                            # guard against cdf[-1] < 1
    idx = torch.searchsorted(cdf, u, right=True).squeeze(1)        # first j with cdf[j] > u
    return idx.clamp(max=V - 1).to(torch.int64)
