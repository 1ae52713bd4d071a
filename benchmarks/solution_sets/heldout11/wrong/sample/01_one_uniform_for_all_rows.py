"""WRONG: draws a single u = torch.rand(1, generator) and uses it for every row, so rows are not independent (all rows
with the same distribution get the same token); per-row marginals are right only in expectation over calls. A good
grader should say all rows share one random number, so the pooled counts fail the chi-square test.
"""

import torch

def sample(probs: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
    """probs: (N, V) -> (N,) int64 token ids."""
    N, V = probs.shape
    cdf = torch.cumsum(probs.double(), dim=-1)
    u = torch.rand(1, 1, generator=generator, dtype=torch.float64) * cdf[:, -1:]
    idx = torch.searchsorted(cdf, u, right=True)
    return idx.clamp(max=V - 1).reshape(N).to(torch.int64)
