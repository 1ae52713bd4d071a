"""
MISTAKE: Computes the variance in one pass as E[x^2] - E[x]^2 in the input dtype, which cancels catastrophically in float32 when the rows have a large mean (and can even go negative, giving NaN).
EXPECTED DIAGNOSIS: Numerically unstable variance: E[x^2] - mean^2 loses all precision for inputs with a large mean; compute the mean of (x - mean)^2 instead.
"""
import torch


def layer_norm(x: torch.Tensor, eps: float = 1e-5) -> torch.Tensor:
    """x: (..., d) -> (..., d), same dtype as x."""
    d = x.shape[-1]
    s1 = x.sum(dim=-1, keepdim=True)
    s2 = (x * x).sum(dim=-1, keepdim=True)
    mean = s1 / d
    var = s2 / d - mean * mean
    return (x - mean) * torch.rsqrt(var + eps)
