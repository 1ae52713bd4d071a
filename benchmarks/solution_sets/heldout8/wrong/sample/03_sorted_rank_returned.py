"""
MISTAKE: Sorts each row by probability (descending) to speed up the search, samples in sorted order, but returns the position in the sorted list (the rank) instead of mapping it back to the token id.
EXPECTED DIAGNOSIS: Returned ids are ranks in the sorted order, not vocabulary ids: map back through the sort indices (sorted_idx.gather(...)).
"""

import torch


def sample(probs: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
    """probs: (N, V) -> (N,) int64 token ids."""
    sorted_p, sorted_idx = torch.sort(probs, dim=-1, descending=True)   # big tokens first
    cdf = sorted_p.double().cumsum(-1)
    u = torch.rand(probs.shape[0], 1, generator=generator, dtype=torch.float64) * cdf[:, -1:]
    pick = torch.searchsorted(cdf, u, right=True).clamp(max=probs.shape[1] - 1)
    return pick.squeeze(-1).to(torch.int64)
