"""WRONG: correct two-pass layer norm, but the default is eps=1e-6 (the value some libraries use)
instead of the required 1e-5. Mistake: with the default eps, rows with a tiny variance (and constant
rows scaled tiny) come out far from the reference; a good grader should say the default eps is wrong
(1e-6 instead of 1e-5), visible on the tiny-variance case."""

import torch


def layer_norm(x: torch.Tensor, eps: float = 1e-6) -> torch.Tensor:
    """x: (..., d) -> (..., d), same dtype as x."""
    mean = x.mean(dim=-1, keepdim=True)
    var = ((x - mean) ** 2).mean(dim=-1, keepdim=True)
    return (x - mean) / torch.sqrt(var + eps)
