"""MISTAKE: renormalises with `kept / kept.sum()` over the whole tensor instead of per row; right
    for one (V,) vector, wrong for batches (rows no longer sum to 1).

EXPECTED DIAGNOSIS: Normalise each row by its own kept mass: `sum(dim=-1, keepdim=True)`.
"""

import math

import torch


def top_p_probs(logits: torch.Tensor, temperature: float, p: float) -> torch.Tensor:
    """logits: (..., V); temperature > 0; 0 < p <= 1 -> probabilities (..., V), same dtype."""
    probs = torch.softmax(logits / temperature, dim=-1)
    sorted_probs, order = torch.sort(probs, dim=-1, descending=True)
    above = torch.cumsum(sorted_probs, dim=-1) - sorted_probs
    keep_sorted = above < p
    keep = torch.zeros_like(keep_sorted).scatter(-1, order, keep_sorted)
    kept = probs * keep
    return kept / kept.sum()
