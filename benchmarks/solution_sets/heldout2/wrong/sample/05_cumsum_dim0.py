"""MISTAKE: cumulative sum taken down the batch (dim=0) instead of along the vocabulary
EXPECTED DIAGNOSIS: The CDF is per row, over the vocabulary: cumsum over the last dimension.
"""
import torch


def sample(probs: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
    N, V = probs.shape
    cdf = torch.cumsum(probs.to(torch.float64), dim=0)
    u = torch.rand(N, 1, generator=generator, dtype=torch.float64) * cdf[:, -1:]
    idx = torch.searchsorted(cdf, u, right=True).squeeze(1)
    return idx.clamp(max=V - 1).to(torch.int64)
