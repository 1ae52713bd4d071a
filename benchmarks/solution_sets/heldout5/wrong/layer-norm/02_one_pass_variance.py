"""
MISTAKE: The variance is computed in one pass as `E[x^2] - E[x]^2` in the input precision, which cancels catastrophically when rows have a large mean (float32 loses the variance entirely and can even go negative, giving NaN).
EXPECTED DIAGNOSIS: Right on centred data but wrong on inputs with a large mean: use the two-pass variance `((x - mean)**2).mean(-1)` (or `x.var(-1, unbiased=False)`) instead of `mean(x**2) - mean(x)**2`.
"""

import torch


def layer_norm(x: torch.Tensor, eps: float = 1e-5) -> torch.Tensor:
    """x: (..., d) -> (..., d), same dtype as x."""
    # single pass over the data: both moments at once
    m1 = x.mean(dim=-1, keepdim=True)
    m2 = (x * x).mean(dim=-1, keepdim=True)
    var = m2 - m1 * m1
    return (x - m1) / torch.sqrt(var + eps)
