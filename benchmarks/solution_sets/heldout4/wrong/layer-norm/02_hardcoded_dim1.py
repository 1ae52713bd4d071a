"""
MISTAKE: Reduces over dim=1 instead of the last dimension, which is only right for 2-D inputs; 3-D/4-D inputs get normalised over the wrong axis (and 1-D input crashes).
EXPECTED DIAGNOSIS: Mean and variance must be taken over the last dimension (dim=-1); you normalise over axis 1, which coincides with the last axis only for 2-D inputs.
"""
import torch


def layer_norm(x: torch.Tensor, eps: float = 1e-5) -> torch.Tensor:
    """x: (..., d) -> (..., d), same dtype as x."""
    # statistics per row (batch, features)
    mean = torch.mean(x, dim=1, keepdim=True)
    centred = x - mean
    var = (centred * centred).mean(dim=1, keepdim=True)
    return centred / (var + eps).sqrt()
