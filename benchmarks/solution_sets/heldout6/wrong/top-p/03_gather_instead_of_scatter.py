"""
MISTAKE: Puts the sorted, filtered probabilities back with kept_sorted.gather(-1, order) instead of scatter(-1, order, kept_sorted), applying the permutation a second time rather than inverting it, so probabilities land on the wrong tokens.
EXPECTED DIAGNOSIS: Results not returned to vocabulary order: undo the sort with zeros.scatter(-1, order, kept_sorted) (or gather with the inverse permutation argsort(order)).
"""

import torch


def top_p_probs(logits: torch.Tensor, temperature: float, p: float) -> torch.Tensor:
    """logits: (..., V); temperature > 0; 0 < p <= 1 -> probabilities (..., V), same dtype."""
    probs = (logits / temperature).softmax(-1)
    sorted_probs, order = probs.sort(-1, descending=True)
    above = sorted_probs.cumsum(-1) - sorted_probs
    kept_sorted = sorted_probs.masked_fill(above >= p, 0.0)
    kept_sorted = kept_sorted / kept_sorted.sum(-1, keepdim=True)
    return kept_sorted.gather(-1, order)
