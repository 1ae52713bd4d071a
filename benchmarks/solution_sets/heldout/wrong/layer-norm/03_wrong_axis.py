"""MISTAKE: normalises over dim 0 (the batch/first axis) instead of the last dimension
EXPECTED DIAGNOSIS: Layer norm normalises each vector over its features (last dim); this normalises across the first axis (across examples), like batch norm.
"""
import torch


def layer_norm(x: torch.Tensor, eps: float = 1e-5) -> torch.Tensor:
    mean = x.mean(dim=0, keepdim=True)
    var = ((x - mean) ** 2).mean(dim=0, keepdim=True)
    return (x - mean) / torch.sqrt(var + eps)
