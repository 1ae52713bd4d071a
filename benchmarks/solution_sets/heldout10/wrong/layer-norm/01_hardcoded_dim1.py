"""WRONG: normalises over dim=1 (hard-coded, as for a (N, d) matrix) instead of the last dimension.
Mistake: right for 2-D inputs, but for 3-D/4-D inputs it normalises across the second axis and a 1-D
vector raises IndexError; a good grader should say the statistics are taken over dimension 1 instead
of the last dimension (dim=-1)."""

import torch


def layer_norm(x: torch.Tensor, eps: float = 1e-5) -> torch.Tensor:
    """x: (..., d) -> (..., d), same dtype as x."""
    mean = x.mean(dim=1, keepdim=True)
    var = ((x - mean) ** 2).mean(dim=1, keepdim=True)
    return (x - mean) / torch.sqrt(var + eps)
