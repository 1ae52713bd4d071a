"""
MISTAKE: The mean is taken per vector over the last dimension, but the variance is `x.var(unbiased=False)` with no dim, i.e. one variance over the whole tensor shared by every row.
EXPECTED DIAGNOSIS: Your variance is pooled over the entire tensor; each vector must be divided by the square root of its own variance over the last dimension.
"""
import torch


def layer_norm(x: torch.Tensor, eps: float = 1e-5) -> torch.Tensor:
    """x: (..., d) -> (..., d), same dtype as x."""
    mean = x.mean(dim=-1, keepdim=True)
    var = x.var(unbiased=False)
    return (x - mean) / torch.sqrt(var + eps)
