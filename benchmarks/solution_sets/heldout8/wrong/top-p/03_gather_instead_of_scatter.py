"""
MISTAKE: Maps the sorted keep-mask back to vocabulary order with gather(-1, order) (applying the permutation again) instead of its inverse (scatter), so the mask lands on the wrong tokens.
EXPECTED DIAGNOSIS: The keep-mask is un-sorted with the wrong permutation: use scatter(-1, order, mask) (or gather with argsort(order)).
"""

import torch


def top_p_probs(logits: torch.Tensor, temperature: float, p: float) -> torch.Tensor:
    """logits: (..., V); temperature > 0; 0 < p <= 1 -> probabilities (..., V), same dtype."""
    probs = torch.softmax(logits / temperature, dim=-1)
    sorted_p, order = torch.sort(probs, dim=-1, descending=True)
    mass_above = torch.cumsum(sorted_p, dim=-1) - sorted_p        # exclusive cumsum
    keep_sorted = mass_above < p
    keep = keep_sorted.gather(-1, order)                                    # back to vocab order
    kept = probs * keep
    return kept / kept.sum(dim=-1, keepdim=True)
