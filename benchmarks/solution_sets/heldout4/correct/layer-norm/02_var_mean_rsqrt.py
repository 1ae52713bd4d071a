"""
CORRECT: Uses torch.var_mean with correction=0 over the last axis and multiplies by rsqrt(var + eps).
"""
import torch


def layer_norm(x: torch.Tensor, eps: float = 1e-5) -> torch.Tensor:
    """x: (..., d) -> (..., d), same dtype as x."""
    var, mean = torch.var_mean(x, dim=-1, correction=0, keepdim=True)
    inv = torch.rsqrt(var + eps)
    return torch.mul(torch.sub(x, mean), inv)
