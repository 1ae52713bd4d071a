"""MISTAKE: uses torch.var's default unbiased (n-1) variance instead of the population variance
EXPECTED DIAGNOSIS: The variance must be biased (divide by d); torch.var divides by d-1 by default, so outputs are scaled by sqrt((d-1)/d) (d=1 gives NaN).
"""
import torch


def layer_norm(x: torch.Tensor, eps: float = 1e-5) -> torch.Tensor:
    mean = x.mean(dim=-1, keepdim=True)
    var = x.var(dim=-1, keepdim=True)
    return (x - mean) / torch.sqrt(var + eps)
