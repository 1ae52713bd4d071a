"""CORRECT: sort, k-th value threshold, -inf masked_fill, softmax
"""
import torch


def top_k_probs(logits: torch.Tensor, temperature: float, k: int) -> torch.Tensor:
    s = logits / temperature
    kth = torch.sort(s, dim=-1, descending=True).values[..., k - 1:k]
    s = s.masked_fill(s < kth, float("-inf"))
    return torch.softmax(s, dim=-1)
