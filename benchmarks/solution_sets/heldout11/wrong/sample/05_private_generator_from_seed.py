"""WRONG: copies the generator's seed into a private torch.Generator (manual_seed(generator.initial_seed())) and draws
from that, so the caller's generator never advances: two calls on the same generator give identical draws (distribution
and seed reproducibility are otherwise fine). A good grader should say the generator is not advanced, so repeated calls
repeat the same draws.
"""

import torch

def sample(probs: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
    """probs: (N, V) -> (N,) int64 token ids."""
    N, V = probs.shape
    generator = torch.Generator().manual_seed(generator.initial_seed())
    cdf = torch.cumsum(probs.double(), dim=-1)
    u = torch.rand(N, 1, generator=generator, dtype=torch.float64) * cdf[:, -1:]
    idx = torch.searchsorted(cdf, u, right=True)
    return idx.clamp(max=V - 1).reshape(N).to(torch.int64)
