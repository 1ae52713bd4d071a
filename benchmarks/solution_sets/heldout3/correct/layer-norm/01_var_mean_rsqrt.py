"""Correct: torch.var_mean(correction=0) in one call, then rsqrt as a multiplier (no division)."""
import torch


def layer_norm(x: torch.Tensor, eps: float = 1e-5) -> torch.Tensor:
    var, mean = torch.var_mean(x, dim=-1, keepdim=True, correction=0)
    return torch.sub(x, mean).mul_(torch.rsqrt(var + eps))
