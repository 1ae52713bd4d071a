"""MISTAKE: draws a single uniform number and uses it for every row
EXPECTED DIAGNOSIS: Rows must be independent: draw one u per row (torch.rand(N, 1, generator=...)); a shared u correlates all rows.
"""
import torch


def sample(probs: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
    N, V = probs.shape
    cdf = torch.cumsum(probs.to(torch.float64), dim=-1)
    u = torch.rand(1, generator=generator, dtype=torch.float64) * cdf[:, -1:]
    idx = torch.searchsorted(cdf, u, right=True).squeeze(-1)
    return idx.clamp(max=V - 1).to(torch.int64)
