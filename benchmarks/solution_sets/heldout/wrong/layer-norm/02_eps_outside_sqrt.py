"""MISTAKE: adds eps to the standard deviation, (x-mean)/(std+eps), instead of inside the sqrt
EXPECTED DIAGNOSIS: eps belongs inside the square root: sqrt(var + eps). Outside it the result differs for small-variance rows (constant-ish rows blow up by 1/eps scale differences).
"""
import torch


def layer_norm(x: torch.Tensor, eps: float = 1e-5) -> torch.Tensor:
    mean = x.mean(-1, keepdim=True)
    std = x.std(-1, keepdim=True, unbiased=False)
    return (x - mean) / (std + eps)
