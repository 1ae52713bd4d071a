"""
MISTAKE: Computes the variance as E[x^2] - mean^2 in the input precision; for rows with a large mean (e.g. around 1e3-1e4) float32 catastrophic cancellation makes var wrong (even negative / NaN).
EXPECTED DIAGNOSIS: Variance formula is numerically unstable: E[x^2]-E[x]^2 cancels for inputs with a large mean; compute mean((x-mean)^2) instead.
"""

import torch


def layer_norm(x: torch.Tensor, eps: float = 1e-5) -> torch.Tensor:
    """x: (..., d) -> (..., d), same dtype as x."""
    mean = x.mean(dim=-1, keepdim=True)
    mean_sq = (x * x).mean(dim=-1, keepdim=True)
    var = mean_sq - mean * mean          # Var[x] = E[x^2] - E[x]^2 (biased)
    return (x - mean) / torch.sqrt(var + eps)
