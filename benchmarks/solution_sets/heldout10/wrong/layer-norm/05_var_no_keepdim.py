"""WRONG: the mean keeps its dimension but the variance is reduced without keepdim=True, so
sqrt(var + eps) has shape (...,) and broadcasts against the last axis of (..., d). Mistake: works only
for a 1-D vector (scalar variance); for (N, d) with N != d it raises a broadcast error and when N == d it
silently divides column j by row j's std; a good grader should say the variance must keep its
reduced dimension (keepdim=True) to broadcast per row."""

import torch


def layer_norm(x: torch.Tensor, eps: float = 1e-5) -> torch.Tensor:
    """x: (..., d) -> (..., d), same dtype as x."""
    mean = x.mean(dim=-1, keepdim=True)
    var = ((x - mean) ** 2).mean(dim=-1)
    return (x - mean) / torch.sqrt(var + eps)
