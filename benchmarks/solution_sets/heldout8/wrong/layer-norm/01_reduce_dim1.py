"""
MISTAKE: Reduces over dim=1 instead of the last dimension (written for 2-D (N, d) inputs); for 3-D/4-D inputs it normalises over the sequence axis, and a 1-D input raises.
EXPECTED DIAGNOSIS: Normalisation is over the wrong axis: for inputs with more than 2 dims the statistics must be taken over the last dim (dim=-1), not dim=1.
"""

import torch


def layer_norm(x: torch.Tensor, eps: float = 1e-5) -> torch.Tensor:
    """x: (..., d) -> (..., d), same dtype as x."""
    # statistics over the feature dimension (dim 1 of (N, d))
    mean = x.mean(dim=1, keepdim=True)
    centered = x - mean
    var = (centered ** 2).mean(dim=1, keepdim=True)   # biased variance
    return centered / torch.sqrt(var + eps)
