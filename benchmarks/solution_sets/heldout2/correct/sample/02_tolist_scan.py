"""CORRECT (pure-Python loop over .tolist() rows with itertools.accumulate and a first-crossing scan).
"""
import itertools

import torch


def sample(probs: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
    N = probs.shape[0]
    us = torch.rand(N, generator=generator, dtype=torch.float64).tolist()
    rows = probs.to(torch.float64).tolist()
    out = []
    for row, u in zip(rows, us):
        cdf = list(itertools.accumulate(row))
        t = u * cdf[-1]
        j = next((i for i, c in enumerate(cdf) if c > t), len(row) - 1)
        while row[j] == 0.0 and j > 0:   # only reachable through rounding at the very end
            j -= 1
        out.append(j)
    return torch.tensor(out, dtype=torch.int64)
