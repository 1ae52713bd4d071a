"""
MISTAKE: Uses `x.var(dim=-1, keepdim=True)`, whose PyTorch default is the unbiased (divide by d-1) variance, instead of the population variance.
EXPECTED DIAGNOSIS: Variance must be biased (divide by d, `unbiased=False`/`correction=0`); outputs are scaled by sqrt((d-1)/d) and d=1 gives NaN.
"""
import math

import torch


def layer_norm(x: torch.Tensor, eps: float = 1e-5) -> torch.Tensor:
    mean = x.mean(dim=-1, keepdim=True)
    var = x.var(dim=-1, keepdim=True)   # same as np.var, right?
    return (x - mean) / torch.sqrt(var + eps)
