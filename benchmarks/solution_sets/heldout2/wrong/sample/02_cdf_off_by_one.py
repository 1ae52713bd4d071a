"""MISTAKE: counts cdf <= u and subtracts one, so the drawn index is shifted one token down
EXPECTED DIAGNOSIS: The draw is the first j with cdf[j] > u, i.e. the count of cdf <= u, without subtracting 1; this shifts mass onto the previous token (and draws zero-probability tokens).
"""
import torch


def sample(probs: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
    N, V = probs.shape
    cdf = torch.cumsum(probs.to(torch.float64), dim=-1)
    u = torch.rand(N, 1, generator=generator, dtype=torch.float64) * cdf[:, -1:]
    idx = ((cdf <= u).sum(dim=-1) - 1).clamp(min=0)
    return idx.clamp(max=V - 1).to(torch.int64)
