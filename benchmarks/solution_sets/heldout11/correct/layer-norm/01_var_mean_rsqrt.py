"""CORRECT: uses torch.var_mean(correction=0) (biased variance) over the last dim and multiplies by rsqrt(var + eps).
"""

import torch

def layer_norm(x: torch.Tensor, eps: float = 1e-5) -> torch.Tensor:
    """x: (..., d) -> (..., d), same dtype as x."""
    var, mean = torch.var_mean(x, dim=-1, keepdim=True, correction=0)
    return (x - mean) * torch.rsqrt(var + eps)
