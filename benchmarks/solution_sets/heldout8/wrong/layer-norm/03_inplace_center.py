"""
MISTAKE: Centres the input with x.sub_(mean), which changes the caller's tensor in place (the returned values are right).
EXPECTED DIAGNOSIS: The function modifies its input x in place (sub_/div_); use out-of-place ops so x is unchanged.
"""

import torch


def layer_norm(x: torch.Tensor, eps: float = 1e-5) -> torch.Tensor:
    """x: (..., d) -> (..., d), same dtype as x."""
    mean = x.mean(-1, keepdim=True)
    x = x.sub_(mean)                       # centre the vectors
    var = x.pow(2).mean(-1, keepdim=True)
    return x / (var + eps).sqrt()
