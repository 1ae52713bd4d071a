"""
MISTAKE: The uniforms come from `torch.rand_like(cdf[:, :1])`, which has no generator argument and draws from the global RNG, so the generator is never used: draws follow the right distribution but are not reproducible from the generator's state.
EXPECTED DIAGNOSIS: Randomness not taken from `generator`: the same generator seed gives different draws when the global RNG changes (and the generator does not advance); use `torch.rand(N, 1, generator=generator, dtype=...)`.
"""

import torch


def sample(probs: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
    """probs: (N, V) -> (N,) int64 token ids."""
    cdf = probs.cumsum(dim=-1)
    u = torch.rand_like(cdf[:, :1]) * cdf[:, -1:]
    idx = torch.searchsorted(cdf, u, right=True).squeeze(-1)
    return idx.clamp(max=probs.shape[-1] - 1)
