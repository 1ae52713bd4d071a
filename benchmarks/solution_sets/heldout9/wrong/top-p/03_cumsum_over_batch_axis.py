"""MISTAKE: takes the cumulative sum over dim=0 instead of the vocabulary axis; right for a
    single (V,) vector, wrong for (N, V) and (N, T, V) batches.

EXPECTED DIAGNOSIS: The running total is over each row's ranked tokens: `cumsum(dim=-1)`.
"""

import math

import torch


def top_p_probs(logits: torch.Tensor, temperature: float, p: float) -> torch.Tensor:
    """logits: (..., V); temperature > 0; 0 < p <= 1 -> probabilities (..., V), same dtype."""
    probs = torch.softmax(logits / temperature, dim=-1)
    sorted_probs, order = torch.sort(probs, dim=-1, descending=True)
    above = torch.cumsum(sorted_probs, dim=0) - sorted_probs
    keep_sorted = above < p
    keep = torch.zeros_like(keep_sorted).scatter(-1, order, keep_sorted)
    kept = probs * keep
    return kept / kept.sum(dim=-1, keepdim=True)
