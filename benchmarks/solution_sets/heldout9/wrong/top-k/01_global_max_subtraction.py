"""MISTAKE: writes the softmax by hand and subtracts the maximum of the whole tensor
    (`scaled.max()`) instead of each row's; fine for one vector or rows of similar size, but
    in a batch whose rows' maxima differ by more than ~100 (1e4-scale logits) the lower rows
    underflow to all-zero and return NaN.

EXPECTED DIAGNOSIS: Subtract each row's own maximum (`amax(dim=-1, keepdim=True)`), or use
    torch.softmax over dim=-1.
"""

import math

import torch


def top_k_probs(logits: torch.Tensor, temperature: float, k: int) -> torch.Tensor:
    """logits: (..., V); temperature > 0; 1 <= k <= V -> probabilities (..., V), same dtype."""
    scaled = logits / temperature
    kth = torch.topk(scaled, k, dim=-1).values[..., -1:]
    scaled = scaled.masked_fill(scaled < kth, float("-inf"))
    e = torch.exp(scaled - scaled.max())
    return e / e.sum(dim=-1, keepdim=True)
