"""
MISTAKE: Draws the uniforms with torch.rand(N, 1) from the global RNG instead of passing generator=generator, so the draws do not depend on the given generator (not reproducible from its seed).
EXPECTED DIAGNOSIS: Randomness does not come from the generator: the same generator seed gives different draws when the global RNG changes; pass generator=generator to torch.rand.
"""
import torch


def sample(probs: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
    """probs: (N, V) -> (N,) int64 token ids."""
    N, V = probs.shape
    cdf = probs.cumsum(dim=-1)
    u = torch.rand(N, 1, dtype=probs.dtype) * cdf[:, -1:]
    idx = torch.searchsorted(cdf, u, right=True).squeeze(-1)
    return idx.clamp(max=V - 1)
