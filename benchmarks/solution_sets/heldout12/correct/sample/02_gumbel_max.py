"""CORRECT sample: Gumbel-max: argmax(log p - log(-log u)) with u = torch.rand(..., generator=generator) in
float64; log 0 = -inf keeps zero-probability tokens out; returns (N,) int64.
"""

import torch


def sample(probs: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
    u = torch.rand(probs.shape, generator=generator, dtype=torch.float64)
    u = u.clamp_min(torch.finfo(torch.float64).tiny)
    gumbel = -torch.log(-torch.log(u))
    return torch.argmax(torch.log(probs.to(torch.float64)) + gumbel, dim=-1)
