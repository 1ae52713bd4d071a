"""
MISTAKE: The result is flattened with a bare `.squeeze()`, which also removes the batch axis when N = 1, so a single row comes back as a 0-d tensor instead of shape (1,).
EXPECTED DIAGNOSIS: Wrong shape for a batch of one: squeeze only the last axis (`.squeeze(-1)`) so the result is always (N,), also for N = 1.
"""

import torch


def sample(probs: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
    """probs: (N, V) -> (N,) int64 token ids."""
    N, V = probs.shape
    cdf = probs.to(torch.float64).cumsum(dim=-1)
    u = torch.rand(N, 1, generator=generator, dtype=torch.float64) * cdf[:, -1:]
    idx = torch.searchsorted(cdf, u, right=True)
    return idx.clamp(max=V - 1).squeeze()
