"""
MISTAKE: Calls `generator.manual_seed(0)` at the start 'for reproducibility', so every call (and every generator seed) produces the same draws.
EXPECTED DIAGNOSIS: The sampler reseeds the generator: two calls on one generator give identical draws and a different seed gives the same draws; never reset the caller's generator.
"""
import torch


def sample(probs: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
    generator.manual_seed(0)   # make the draws reproducible
    N, V = probs.shape
    u = torch.rand(N, 1, generator=generator, dtype=torch.float64)
    cdf = probs.to(torch.float64).cumsum(dim=1)
    idx = torch.searchsorted(cdf, u, right=True).view(N)
    return torch.clamp(idx, max=V - 1)
