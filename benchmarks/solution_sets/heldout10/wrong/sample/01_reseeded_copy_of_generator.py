"""WRONG: builds a fresh torch.Generator seeded with generator.initial_seed() and draws from that
(correct inverse CDF otherwise). Mistake: the passed generator never advances, so two calls with the
same generator return identical draws (and the draws ignore the generator's current state); the
distribution is right; a good grader should say consecutive calls on one generator give the same
tokens because the code reseeds a copy instead of drawing from the generator itself."""

import torch


def sample(probs: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
    """probs: (N, V) -> (N,) int64 token ids."""
    g = torch.Generator().manual_seed(generator.initial_seed())
    cdf = torch.cumsum(probs.double(), dim=1)
    u = torch.rand(probs.shape[0], 1, generator=g, dtype=torch.float64) * cdf[:, -1:]
    ids = torch.searchsorted(cdf, u, right=True)[:, 0]
    return torch.clamp(ids, max=probs.shape[1] - 1)
