"""
MISTAKE: Uses torch.var with its default (unbiased, divide by d-1) correction instead of the population variance, so every output is scaled by sqrt((d-1)/d) and d = 1 gives NaN.
EXPECTED DIAGNOSIS: Unbiased variance: torch.var divides by d-1 by default; layer norm uses the biased (population) variance, pass unbiased=False / correction=0.
"""

import torch


def layer_norm(x: torch.Tensor, eps: float = 1e-5) -> torch.Tensor:
    """x: (..., d) -> (..., d), same dtype as x."""
    # like np.var, but torch's default is different...
    mean = x.mean(dim=-1, keepdim=True)
    var = torch.var(x, dim=-1, keepdim=True)
    return (x - mean) / torch.sqrt(var + eps)
