"""
MISTAKE: Adds eps to the standard deviation, (x - mean) / (sqrt(var) + eps), instead of putting it inside the square root, which changes rows with tiny variance (and any non-default eps).
EXPECTED DIAGNOSIS: eps belongs inside the square root: divide by sqrt(var + eps), not sqrt(var) + eps; visible on rows whose variance is comparable to eps.
"""

import torch


def layer_norm(x: torch.Tensor, eps: float = 1e-5) -> torch.Tensor:
    """x: (..., d) -> (..., d), same dtype as x."""
    mu = x.mean(-1, keepdim=True)
    centered = x - mu
    std = centered.pow(2).mean(-1, keepdim=True).sqrt()
    return centered / (std + eps)
