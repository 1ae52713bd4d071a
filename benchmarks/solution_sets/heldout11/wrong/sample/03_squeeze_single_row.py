"""WRONG: returns idx.squeeze(), which for a single row (N = 1) gives a 0-d tensor of shape () instead of (1,);
the distribution is right. A good grader should say a single-row input returns shape () instead of (1,).
"""

import torch

def sample(probs: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
    """probs: (N, V) -> (N,) int64 token ids."""
    N, V = probs.shape
    cdf = torch.cumsum(probs.double(), dim=-1)
    u = torch.rand(N, 1, generator=generator, dtype=torch.float64) * cdf[:, -1:]
    idx = torch.searchsorted(cdf, u, right=True)
    return idx.clamp(max=V - 1).squeeze().to(torch.int64)
