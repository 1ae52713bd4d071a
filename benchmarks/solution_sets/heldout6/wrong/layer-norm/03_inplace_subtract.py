"""
MISTAKE: Centres the input with x.sub_(mean) and divides in place, so the returned values are right but the caller's x is overwritten with the normalised tensor.
EXPECTED DIAGNOSIS: The function changes its input x in place (sub_/div_); build new tensors (x - mean) instead of modifying the caller's tensor.
"""

import torch


def layer_norm(x: torch.Tensor, eps: float = 1e-5) -> torch.Tensor:
    """x: (..., d) -> (..., d), same dtype as x."""
    # avoid allocating extra buffers: normalise in place
    mean = x.mean(dim=-1, keepdim=True)
    x.sub_(mean)
    var = (x * x).mean(dim=-1, keepdim=True)
    x.div_(torch.sqrt(var + eps))
    return x
