"""CORRECT: python loop over .tolist() rows, itertools.accumulate cdf, linear scan for first cdf > u
"""
import itertools

import torch


def sample(probs: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
    us = torch.rand(probs.shape[0], generator=generator, dtype=torch.float64).tolist()
    out = []
    for row, u in zip(probs.tolist(), us):
        cdf = list(itertools.accumulate(row))
        target = u * cdf[-1]
        pick = len(row) - 1
        for j, c in enumerate(cdf):
            if c > target:
                pick = j
                break
        while row[pick] == 0.0 and pick > 0:
            pick -= 1
        out.append(pick)
    return torch.tensor(out, dtype=torch.int64)
