"""
MISTAKE: Takes the cumulative sum over dim 0 (the batch) instead of over the vocabulary, so the 'cdf' of row i is a running sum of earlier rows' probabilities.
EXPECTED DIAGNOSIS: The CDF must be cumulated over the tokens (last dim) of each row, not down the batch.
"""

import torch


def sample(probs: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
    """probs: (N, V) -> (N,) int64 token ids."""
    N, V = probs.shape
    cdf = probs.double().cumsum(0)
    u = torch.rand(N, generator=generator, dtype=torch.float64)
    # count how many cdf entries are <= u: that is the index of the first cdf > u
    idx = (cdf <= u[:, None]).sum(dim=1)
    return torch.clamp(idx, max=V - 1).long()
