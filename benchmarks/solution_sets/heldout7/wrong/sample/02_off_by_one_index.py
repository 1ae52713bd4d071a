"""
MISTAKE: Returns the index of the last cdf entry below u (`(cdf < u).sum(-1) - 1`, clamped at 0) instead of the first entry above it, shifting every draw one token down.
EXPECTED DIAGNOSIS: Off-by-one inverse CDF: the drawn token is the first j with cdf[j] > u, i.e. `(cdf <= u).sum(-1)`; this sampler draws token j-1 and puts mass on zero-probability tokens.
"""
import torch


def sample(probs: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
    u = torch.rand(probs.shape[0], 1, generator=generator, dtype=probs.dtype)
    cdf = torch.cumsum(probs, dim=1)
    idx = (cdf < u).sum(dim=1) - 1
    return idx.clamp(min=0).to(torch.int64)
