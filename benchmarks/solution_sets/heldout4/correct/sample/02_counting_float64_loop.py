"""
CORRECT: One uniform per row from the generator, inverse CDF by counting cdf <= u*total in float64, with a python loop over rows on .tolist() values for clarity.
"""
import torch


def sample(probs: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
    """probs: (N, V) -> (N,) int64 token ids."""
    N, V = probs.shape
    cdf = probs.to(torch.float64).cumsum(dim=1)
    us = torch.rand(N, generator=generator, dtype=torch.float64).tolist()
    rows = cdf.tolist()
    out = []
    for u, row in zip(us, rows):
        target = u * row[-1]
        j = 0
        while j < V - 1 and row[j] <= target:
            j += 1
        out.append(j)
    return torch.tensor(out, dtype=torch.int64)
