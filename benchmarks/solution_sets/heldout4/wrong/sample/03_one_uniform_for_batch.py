"""
MISTAKE: Draws a single uniform number, torch.rand(1, generator=generator), and broadcasts it to every row, so the rows are not sampled independently (all rows of the same distribution get the same token).
EXPECTED DIAGNOSIS: One random number is shared across the batch: draw one uniform per row (torch.rand(N, 1, generator=generator)) so rows are independent.
"""
import torch


def sample(probs: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
    """probs: (N, V) -> (N,) int64 token ids."""
    cdf = torch.cumsum(probs.to(torch.float64), dim=1)
    u = torch.rand(1, generator=generator, dtype=torch.float64)
    u = u.expand(cdf.shape[0], 1).contiguous()
    idx = torch.searchsorted(cdf, u, right=True)[:, 0]
    return torch.clamp(idx, max=probs.shape[1] - 1)
