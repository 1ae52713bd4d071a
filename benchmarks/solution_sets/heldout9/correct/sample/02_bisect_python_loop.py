"""CORRECT: float64 uniforms from the generator, then a Python loop over .tolist() rows with itertools.accumulate and bisect_right on the CDF (u scaled by the row total)."""

import bisect
import itertools

import torch


def sample(probs: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
    """probs: (N, V) -> (N,) int64 token ids."""
    N = probs.shape[0]
    us = torch.rand(N, generator=generator, dtype=torch.float64).tolist()
    out = []
    for row, u in zip(probs.double().tolist(), us):
        cdf = list(itertools.accumulate(row))
        j = bisect.bisect_right(cdf, u * cdf[-1])
        out.append(min(j, len(row) - 1))
    return torch.tensor(out, dtype=torch.int64)
