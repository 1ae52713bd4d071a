"""MISTAKE: casts the input to float32 for the computation and never casts back
EXPECTED DIAGNOSIS: The output must keep the input dtype: float64 input comes back as float32 (and loses precision).
"""
import torch


def layer_norm(x: torch.Tensor, eps: float = 1e-5) -> torch.Tensor:
    x = x.float()
    mean = x.mean(dim=-1, keepdim=True)
    var = x.var(dim=-1, keepdim=True, unbiased=False)
    return (x - mean) / torch.sqrt(var + eps)
