"""MISTAKE: maps the sorted keep-mask back with `gather(keep_sorted, -1, order)` instead of
    scattering it, i.e. applies the permutation instead of its inverse; token i gets the keep
    flag of rank order[i]; right only when the sort order is its own inverse (e.g. already
    sorted logits), wrong generally.

EXPECTED DIAGNOSIS: To undo a sort, scatter with the sort indices (or gather with
    argsort(order)); gather with `order` permutes a second time.
"""

import math

import torch


def top_p_probs(logits: torch.Tensor, temperature: float, p: float) -> torch.Tensor:
    """logits: (..., V); temperature > 0; 0 < p <= 1 -> probabilities (..., V), same dtype."""
    probs = torch.softmax(logits / temperature, dim=-1)
    sorted_probs, order = torch.sort(probs, dim=-1, descending=True)
    above = torch.cumsum(sorted_probs, dim=-1) - sorted_probs
    keep_sorted = above < p
    keep = torch.gather(keep_sorted, -1, order)
    kept = probs * keep
    return kept / kept.sum(dim=-1, keepdim=True)
