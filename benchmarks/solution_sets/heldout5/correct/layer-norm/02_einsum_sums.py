"""
CORRECT: Writes mean and population variance as explicit sums (einsum for the sum of squares) over the last axis, eps inside the square root.
"""

import torch


def layer_norm(x: torch.Tensor, eps: float = 1e-5) -> torch.Tensor:
    """x: (..., d) -> (..., d), same dtype as x."""
    d = x.shape[-1]
    mean = torch.sum(x, dim=-1, keepdim=True) / d
    c = x - mean
    ss = torch.einsum('...i,...i->...', c, c).unsqueeze(-1)
    return c / torch.sqrt(ss / d + eps)
