"""
MISTAKE: Calls generator.manual_seed(0) inside sample 'for reproducibility', so every call and every generator seed produce the same draws (the generator never advances across calls).
EXPECTED DIAGNOSIS: The function re-seeds the generator: do not call manual_seed; draws must depend on the generator's current state and advance it.
"""

import torch


def sample(probs: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
    """probs: (N, V) -> (N,) int64 token ids."""
    N, V = probs.shape
    generator.manual_seed(0)                                       # reproducible draws
    cdf = torch.cumsum(probs.to(torch.float64), dim=-1)            # (N, V)
    u = torch.rand(N, 1, generator=generator, dtype=torch.float64, device=probs.device)
    u = u * cdf[:, -1:]                                            # guard against cdf[-1] < 1
    idx = torch.searchsorted(cdf, u, right=True).squeeze(1)        # first j with cdf[j] > u
    return idx.clamp(max=V - 1).to(torch.int64)
