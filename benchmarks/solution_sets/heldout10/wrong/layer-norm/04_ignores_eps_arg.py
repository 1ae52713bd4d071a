"""WRONG: accepts eps but uses a hard-coded 1e-5 inside the square root. Mistake: calls with a
non-default eps (e.g. eps=1e-2 or 0.1) give the default-eps result; a good grader should say the eps
argument is ignored (the output matches eps=1e-5 whatever eps is passed)."""

import torch

EPS = 1e-5


def layer_norm(x: torch.Tensor, eps: float = 1e-5) -> torch.Tensor:
    """x: (..., d) -> (..., d), same dtype as x."""
    mean = x.mean(dim=-1, keepdim=True)
    var = ((x - mean) ** 2).mean(dim=-1, keepdim=True)
    return (x - mean) / torch.sqrt(var + EPS)
