"""
MISTAKE: Rescales u with cdf[-1] (the last ROW of the (N, V) cdf) instead of cdf[:, -1:] (each row's total), so u is multiplied by a different per-token value and the draws are biased (and zero-probability tokens can be hit).
EXPECTED DIAGNOSIS: Indexing slip: cdf[-1] is the last row, not each row's last entry; use cdf[:, -1:] to scale u.
"""

import torch


def sample(probs: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
    """probs: (N, V) -> (N,) int64 token ids."""
    N, V = probs.shape
    cdf = probs.cumsum(dim=-1)
    u = torch.rand(N, 1, generator=generator, dtype=probs.dtype)
    u = u * cdf[-1]                       # scale by the total so u < cdf[-1]
    idx = (cdf <= u).sum(dim=-1)          # first j with cdf[j] > u
    return idx.clamp(0, V - 1).to(torch.int64)
