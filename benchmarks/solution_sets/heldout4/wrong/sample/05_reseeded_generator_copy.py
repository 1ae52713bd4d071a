"""
MISTAKE: Builds a fresh generator seeded with generator.initial_seed() and draws from that, so the given generator never advances: two calls on the same generator return identical draws.
EXPECTED DIAGNOSIS: Draw from the generator you are given (it must advance between calls); re-seeding a new generator from its initial seed repeats the same numbers on every call.
"""
import torch


def sample(probs: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
    """probs: (N, V) -> (N,) int64 token ids."""
    g = torch.Generator(device=probs.device)
    g.manual_seed(generator.initial_seed())          # keep draws reproducible
    N, V = probs.shape
    cdf = probs.double().cumsum(-1)
    u = torch.rand(N, 1, generator=g, dtype=torch.float64) * cdf[:, -1:]
    return torch.searchsorted(cdf, u, right=True).squeeze(1).clamp_(0, V - 1)
