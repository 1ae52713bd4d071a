"""CORRECT: inverse-CDF sampling: cumulative sums in float64, one uniform u per row from
torch.rand(N, 1, generator=generator, dtype=float64) scaled by the row total, torch.searchsorted(...,
right=True) for the first j with cdf[j] > u, clamped to V - 1; returns (N,) int64. Zero-probability
tokens own empty intervals and are never drawn; probs is not modified."""

import torch


def sample(probs: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
    """probs: (N, V) -> (N,) int64 token ids."""
    n, v = probs.shape
    cdf = probs.to(torch.float64).cumsum(dim=-1)
    u = torch.rand(n, 1, generator=generator, dtype=torch.float64) * cdf[:, -1:]
    idx = torch.searchsorted(cdf, u, right=True).squeeze(1)
    return idx.clamp_(max=v - 1).to(torch.int64)
