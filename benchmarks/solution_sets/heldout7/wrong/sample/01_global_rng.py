"""
MISTAKE: Draws the uniforms with `torch.rand(N, 1)` from the global RNG, ignoring the `generator` argument.
EXPECTED DIAGNOSIS: Randomness does not come from `generator`: the same generator seed gives different draws when the global RNG differs; pass `generator=generator` to torch.rand.
"""
import torch


def sample(probs: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
    N = probs.shape[0]
    u = torch.rand(N, 1, dtype=probs.dtype)
    cdf = probs.cumsum(dim=-1)
    idx = torch.searchsorted(cdf, u, right=True).squeeze(1)
    return idx.clamp(max=probs.shape[1] - 1).long()
