"""
MISTAKE: Draws a single uniform torch.rand(1, generator=generator) and broadcasts it over every row, so all rows share one random number and are not independent draws.
EXPECTED DIAGNOSIS: One random number shared across rows: draw one uniform per row, torch.rand(N, 1, generator=generator); identical rows now always return the same token.
"""

import torch


def sample(probs: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
    """probs: (N, V) -> (N,) int64 token ids."""
    cdf = torch.cumsum(probs, dim=1)
    u = torch.rand(1, generator=generator, dtype=probs.dtype)
    idx = (cdf <= u).sum(dim=1)
    return idx.clamp(max=probs.size(1) - 1).to(torch.int64)
