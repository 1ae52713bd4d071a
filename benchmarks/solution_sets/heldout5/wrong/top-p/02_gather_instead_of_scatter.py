"""
MISTAKE: The kept probabilities are put back into vocabulary order with `gather(-1, order)` instead of `scatter(-1, order, ...)`, which applies the sort permutation a second time rather than inverting it, so probabilities land on the wrong tokens.
EXPECTED DIAGNOSIS: Results are not back in vocabulary order: `order[i]` is the token of rank i, so undo the sort with `zeros.scatter(-1, order, kept_sorted)` (or gather with `order.argsort(-1)`).
"""

import torch


def top_p_probs(logits: torch.Tensor, temperature: float, p: float) -> torch.Tensor:
    """logits: (..., V); temperature > 0; 0 < p <= 1 -> probabilities (..., V), same dtype."""
    probs = (logits / temperature).softmax(dim=-1)
    sorted_p, order = probs.sort(dim=-1, descending=True)
    above = sorted_p.cumsum(dim=-1) - sorted_p
    kept = torch.where(above < p, sorted_p, torch.zeros_like(sorted_p))
    kept = kept / kept.sum(dim=-1, keepdim=True)
    return kept.gather(-1, order)              # back to vocabulary order
