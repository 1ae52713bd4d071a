"""MISTAKE: builds the 'mass above' with `torch.roll(cumsum, 1)`, which wraps the total (~1) into
    the first slot instead of 0, so the top token is dropped whenever p < 1 (and the whole row
    may become 0/0 = NaN).

EXPECTED DIAGNOSIS: Shift the cumulative sum with a leading 0 (`cumsum - sorted_probs` or cat
    a zero column), not with roll, which wraps around.
"""

import math

import torch


def top_p_probs(logits: torch.Tensor, temperature: float, p: float) -> torch.Tensor:
    """logits: (..., V); temperature > 0; 0 < p <= 1 -> probabilities (..., V), same dtype."""
    probs = torch.softmax(logits / temperature, dim=-1)
    sorted_probs, order = torch.sort(probs, dim=-1, descending=True)
    above = torch.roll(torch.cumsum(sorted_probs, dim=-1), 1, dims=-1)
    keep_sorted = above < p
    keep = torch.zeros_like(keep_sorted).scatter(-1, order, keep_sorted)
    kept = probs * keep
    return kept / kept.sum(dim=-1, keepdim=True)
