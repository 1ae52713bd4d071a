"""CORRECT sample: exponential race: E_j ~ Exp(1) from generator (exponential_), token = argmin E_j / p_j, which
is drawn with probability p_j; zero-probability tokens get E/0 = inf and are never chosen; returns (N,) int64.
"""

import torch


def sample(probs: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
    e = torch.empty(probs.shape, dtype=torch.float64).exponential_(generator=generator)
    ratio = e / probs.to(torch.float64)
    return ratio.argmin(dim=-1).to(torch.int64)
