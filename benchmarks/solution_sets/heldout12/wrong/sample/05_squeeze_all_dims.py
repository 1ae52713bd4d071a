"""WRONG sample: returns idx.squeeze() instead of squeezing only the last axis.
Mistake: a single row comes back as a 0-d tensor instead of shape (1,); a good grader should say the output
must be (N,) even for N = 1.
"""

import torch


def sample(probs: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
    N = probs.shape[0]
    cdf = torch.cumsum(probs.to(torch.float64), dim=-1)
    u = torch.rand(N, 1, generator=generator, dtype=torch.float64) * cdf[:, -1:]
    idx = torch.searchsorted(cdf, u, right=True)
    return idx.clamp(max=probs.shape[-1] - 1).squeeze()
