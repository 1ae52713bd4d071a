"""
CORRECT: Inverse CDF row by row in plain Python floats (double precision) over .tolist() values, with one generator uniform per row and a binary search for the first cdf > u, scaled by the row total to absorb rounding.
"""

import itertools

import torch


def _first_greater(cdf, u):
    lo, hi = 0, len(cdf) - 1
    while lo < hi:
        mid = (lo + hi) // 2
        if cdf[mid] > u:
            hi = mid
        else:
            lo = mid + 1
    return lo


def sample(probs: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
    """probs: (N, V) -> (N,) int64 token ids."""
    N = probs.shape[0]
    us = torch.rand(N, generator=generator, dtype=torch.float64).tolist()
    out = []
    for row, u in zip(probs.tolist(), us):
        cdf = list(itertools.accumulate(row))
        out.append(_first_greater(cdf, u * cdf[-1]))
    return torch.tensor(out, dtype=torch.int64)
