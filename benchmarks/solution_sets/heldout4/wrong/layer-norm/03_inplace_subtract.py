"""
MISTAKE: Centres the input with an in-place `x -= mean` (and divides in place), so the caller's tensor x is overwritten with the result even though the returned values are right.
EXPECTED DIAGNOSIS: Your function modifies its input in place; build new tensors (x - mean) instead of x -= mean / x /= std.
"""
import torch


def layer_norm(x: torch.Tensor, eps: float = 1e-5) -> torch.Tensor:
    """x: (..., d) -> (..., d), same dtype as x."""
    mean = x.mean(-1, keepdim=True)
    x -= mean
    var = x.pow(2).mean(-1, keepdim=True)
    x /= torch.sqrt(var + eps)
    return x
