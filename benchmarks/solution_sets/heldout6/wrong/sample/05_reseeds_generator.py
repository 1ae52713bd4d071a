"""
MISTAKE: Calls generator.manual_seed(0) inside sample "for reproducibility", which overwrites the caller's generator state: every call repeats the same draws, and different generator seeds give identical draws.
EXPECTED DIAGNOSIS: The generator is reseeded inside the function: use it as given (do not call manual_seed), so successive calls advance it and different seeds give different draws.
"""

import torch


def sample(probs: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
    """probs: (N, V) -> (N,) int64 token ids."""
    generator.manual_seed(0)                       # make the draws reproducible
    cdf = probs.cumsum(dim=-1)
    u = torch.rand(probs.shape[0], 1, generator=generator, dtype=probs.dtype)
    idx = torch.searchsorted(cdf, u * cdf[:, -1:], right=True)
    return idx.squeeze(1).clamp(max=probs.shape[1] - 1)
