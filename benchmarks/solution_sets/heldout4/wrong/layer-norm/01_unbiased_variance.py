"""
MISTAKE: Uses torch.var with its default unbiased=True (divides by d - 1) instead of the biased population variance (divide by d).
EXPECTED DIAGNOSIS: Your variance is the unbiased (sample) estimate; layer norm uses the population variance -- pass unbiased=False / correction=0 or divide by d.
"""
import torch


def layer_norm(x: torch.Tensor, eps: float = 1e-5) -> torch.Tensor:
    """x: (..., d) -> (..., d), same dtype as x."""
    mu = x.mean(dim=-1, keepdim=True)
    var = torch.var(x, dim=-1, keepdim=True)
    return (x - mu) / torch.sqrt(var + eps)
