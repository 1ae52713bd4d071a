"""
CORRECT: One float64 uniform per row from the generator, then a Python loop over rows (on .tolist() values) walking the running total until it exceeds u * row_total (zero-probability tokens are skipped; rounding past the end falls back to the last non-zero token).
"""

import itertools

import torch


def sample(probs: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
    """probs: (N, V) -> (N,) int64 token ids."""
    N, V = probs.shape
    us = torch.rand(N, generator=generator, dtype=torch.float64).tolist()
    out = []
    for row, u in zip(probs.tolist(), us):
        cdf = list(itertools.accumulate(row))
        target = u * cdf[-1]
        choice = None
        last_nonzero = 0
        for j, (c, q) in enumerate(zip(cdf, row)):
            if q > 0:
                last_nonzero = j
                if c > target:
                    choice = j
                    break
        out.append(last_nonzero if choice is None else choice)
    return torch.tensor(out, dtype=torch.int64)
