"""
MISTAKE: Draws the uniforms with torch.rand(N, 1) from the global RNG instead of passing generator=generator, so the draws ignore the given generator and are not reproducible from its seed.
EXPECTED DIAGNOSIS: Randomness not taken from the generator: the same generator seed gives different draws once the global RNG is reseeded; use torch.rand(..., generator=generator).
"""

import torch


def sample(probs: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
    """probs: (N, V) -> (N,) int64 token ids."""
    cdf = probs.cumsum(dim=-1)
    u = torch.rand(probs.shape[0], 1, dtype=probs.dtype) * cdf[:, -1:]
    return torch.searchsorted(cdf, u, right=True).squeeze(-1).clamp(max=probs.shape[1] - 1)
