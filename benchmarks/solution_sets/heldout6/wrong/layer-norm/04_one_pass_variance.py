"""
MISTAKE: Computes the variance in one pass as E[x^2] - E[x]^2 in the input's float32, which cancels catastrophically for rows with a large mean (wrong values, possibly negative variance and NaN).
EXPECTED DIAGNOSIS: Numerically unstable variance: E[x^2] - mean^2 loses all precision when the mean is large relative to the spread; compute the mean of (x - mean)^2 instead.
"""

import torch


def layer_norm(x: torch.Tensor, eps: float = 1e-5) -> torch.Tensor:
    """x: (..., d) -> (..., d), same dtype as x."""
    d = x.shape[-1]
    s1 = x.sum(dim=-1, keepdim=True)
    s2 = (x * x).sum(dim=-1, keepdim=True)
    mean = s1 / d
    var = s2 / d - mean * mean          # single pass over the data
    return (x - mean) * torch.rsqrt(var + eps)
