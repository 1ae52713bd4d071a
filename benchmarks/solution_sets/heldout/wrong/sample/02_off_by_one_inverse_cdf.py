"""MISTAKE: returns searchsorted(cdf, u, right=True) - 1 (clamped at 0), the token before the right one
EXPECTED DIAGNOSIS: The first j with cdf[j] > u is searchsorted(cdf, u, right=True) itself; subtracting 1 shifts every draw one token left (and can draw zero-probability tokens).
"""
import torch


def sample(probs: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
    N, V = probs.shape
    cdf = torch.cumsum(probs.to(torch.float64), dim=-1)
    u = torch.rand(N, 1, generator=generator, dtype=torch.float64) * cdf[:, -1:]
    idx = torch.searchsorted(cdf, u, right=True).squeeze(-1)
    return (idx - 1).clamp(min=0, max=V - 1).to(torch.int64)
