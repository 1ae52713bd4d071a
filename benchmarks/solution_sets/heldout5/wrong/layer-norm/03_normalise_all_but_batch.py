"""
MISTAKE: The statistics are taken over every dimension except the first (`x.reshape(x.shape[0], -1)`), as a "per-sample" norm, instead of over the last dimension only; right for 2-D input, wrong for 1-D, 3-D and 4-D inputs.
EXPECTED DIAGNOSIS: Mean and variance are reduced over the wrong axes: layer norm normalises each vector along the last dimension only (`dim=-1, keepdim=True`), not everything after the batch axis.
"""

import torch


def layer_norm(x: torch.Tensor, eps: float = 1e-5) -> torch.Tensor:
    """x: (..., d) -> (..., d), same dtype as x."""
    shape = x.shape
    flat = x.reshape(shape[0], -1)          # one row per sample
    mean = flat.mean(dim=1, keepdim=True)
    var = ((flat - mean) ** 2).mean(dim=1, keepdim=True)
    out = (flat - mean) / torch.sqrt(var + eps)
    return out.reshape(shape)
