"""CORRECT: exponential-race (equivalent to Gumbel-max) sampling: for every (row, token) draw
E = -log(U) with U from torch.rand(..., generator=generator, dtype=float64) and return
argmax(p / E) per row (token j wins with probability p_j); p = 0 gives a score of 0 and is never the
argmax since each row has a positive entry. Returns (N,) int64; all randomness from the generator."""

import torch


def sample(probs: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
    """probs: (N, V) -> (N,) int64 token ids."""
    u = torch.rand(probs.shape, generator=generator, dtype=torch.float64)
    e = -torch.log(u)                         # Exp(1); u = 0 gives inf, i.e. score 0
    scores = probs.to(torch.float64) / e
    return torch.argmax(scores, dim=-1).long()
