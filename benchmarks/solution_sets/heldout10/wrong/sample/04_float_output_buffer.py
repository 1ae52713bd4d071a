"""WRONG: loops over the rows (with .tolist(), one uniform per row from the generator) and writes the
chosen ids into out = torch.zeros(N), a float32 tensor. Mistake: the draws are right but the result
has dtype float32 instead of int64; a good grader should say the returned tensor is float32, not
int64, because the output buffer was allocated without dtype=torch.long."""

import torch


def sample(probs: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
    """probs: (N, V) -> (N,) int64 token ids."""
    n, v = probs.shape
    us = torch.rand(n, generator=generator, dtype=torch.float64).tolist()
    rows = probs.double().tolist()
    out = torch.zeros(n)
    for i in range(n):
        row = rows[i]
        u = us[i] * sum(row)
        acc = 0.0
        choice = v - 1
        for j, pj in enumerate(row):
            acc += pj
            if acc > u:
                choice = j
                break
        while row[choice] == 0.0:          # rounding landed on an empty tail: step back
            choice -= 1
        out[i] = choice
    return out
