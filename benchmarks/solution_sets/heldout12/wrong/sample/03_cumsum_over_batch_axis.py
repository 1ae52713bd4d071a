"""WRONG sample: computes the CDF with cumsum(dim=0), down the batch, instead of along each row.
Mistake: the CDF mixes different rows (for one row it is the probabilities themselves), so draws do not follow
the row's distribution; a good grader should say the cumulative sum must run over the vocabulary axis.
"""

import torch


def sample(probs: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
    N = probs.shape[0]
    cdf = torch.cumsum(probs.to(torch.float64), dim=0)
    u = torch.rand(N, 1, generator=generator, dtype=torch.float64) * cdf[:, -1:]
    idx = torch.searchsorted(cdf, u, right=True)
    return idx.clamp(max=probs.shape[-1] - 1).squeeze(1)
