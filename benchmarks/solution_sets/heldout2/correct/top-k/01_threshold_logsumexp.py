"""CORRECT (sort for the k-th value threshold, masked_fill -inf, exp minus logsumexp).
"""
import torch


def top_k_probs(logits: torch.Tensor, temperature: float, k: int) -> torch.Tensor:
    z = logits / temperature
    kth = z.sort(dim=-1, descending=True).values.narrow(-1, k - 1, 1)
    z = z.masked_fill(z < kth, float("-inf"))
    return torch.exp(z - torch.logsumexp(z, dim=-1, keepdim=True))
