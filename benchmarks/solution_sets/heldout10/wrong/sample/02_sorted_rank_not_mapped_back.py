"""WRONG: sorts each row descending (to make the CDF search "faster"), samples an index in the sorted
order with an inverse CDF, and returns that rank instead of mapping it back through the sort indices.
Mistake: the result is the rank of the drawn token, so token ids follow the sorted probabilities (a
zero-probability token can be drawn, e.g. probs [0.2, 0, 0.5, 0.3] gives id 1 with prob 0.3); only rows
already in descending order are right; a good grader should say the returned ids are positions in the
sorted row, not vocabulary ids (the sort permutation is not undone)."""

import torch


def sample(probs: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
    """probs: (N, V) -> (N,) int64 token ids."""
    sorted_p, order = torch.sort(probs.double(), dim=-1, descending=True)
    cdf = sorted_p.cumsum(-1)
    u = torch.rand(probs.shape[0], 1, generator=generator, dtype=torch.float64) * cdf[:, -1:]
    rank = torch.searchsorted(cdf, u, right=True).clamp(max=probs.shape[1] - 1)
    return rank.squeeze(1)
