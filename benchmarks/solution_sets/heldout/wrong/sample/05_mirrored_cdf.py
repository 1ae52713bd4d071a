"""MISTAKE: builds the CDF of the flipped row but indexes the original vocabulary
EXPECTED DIAGNOSIS: The CDF must be accumulated in vocabulary order (or the index flipped back); this draws token V-1-j with probability p[j].
"""
import torch


def sample(probs: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
    cdf = probs.flip(1).cumsum(dim=1)
    cdf = cdf / cdf[:, -1:]
    u = torch.rand(probs.shape[0], 1, generator=generator, dtype=probs.dtype)
    idx = (cdf <= u).sum(dim=1)
    return torch.clamp(idx, max=probs.shape[1] - 1).long()
