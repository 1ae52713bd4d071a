"""WRONG sample: seeds the global RNG with generator.initial_seed() and draws with torch.rand(N, 1) without the
generator.
Mistake: the generator never advances, so two calls on the same generator give identical draws, and the
global RNG is reset as a side effect; a good grader should say the randomness must be drawn from generator.
"""

import torch


def sample(probs: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
    N = probs.shape[0]
    cdf = torch.cumsum(probs.to(torch.float64), dim=-1)
    torch.manual_seed(generator.initial_seed())
    u = torch.rand(N, 1, dtype=torch.float64) * cdf[:, -1:]
    idx = torch.searchsorted(cdf, u, right=True)
    return idx.clamp(max=probs.shape[-1] - 1).squeeze(1)
