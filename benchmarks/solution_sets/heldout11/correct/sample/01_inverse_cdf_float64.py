"""CORRECT: inverse CDF in float64: cumsum, u = rand(N, 1, generator) scaled by the row total, searchsorted(right=True)
(first j with cdf[j] > u, so empty intervals of zero-probability tokens are skipped), clamped to V-1.
"""

import torch

def sample(probs: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
    """probs: (N, V) -> (N,) int64 token ids."""
    N, V = probs.shape
    cdf = torch.cumsum(probs.double(), dim=-1)
    u = torch.rand(N, 1, generator=generator, dtype=torch.float64) * cdf[:, -1:]
    idx = torch.searchsorted(cdf, u, right=True)
    return idx.clamp(max=V - 1).reshape(N).to(torch.int64)
