"""WRONG: converts the input with x.float() "for numerical safety" and returns the float32 result.
Mistake: a float64 input comes back as float32 (dtype not kept, and only float32 precision); a good
grader should say the output dtype is float32 for a float64 input."""

import torch


def layer_norm(x: torch.Tensor, eps: float = 1e-5) -> torch.Tensor:
    """x: (..., d) -> (..., d), same dtype as x."""
    x = x.float()
    mean = x.mean(dim=-1, keepdim=True)
    var = ((x - mean) ** 2).mean(dim=-1, keepdim=True)
    return (x - mean) / torch.sqrt(var + eps)
