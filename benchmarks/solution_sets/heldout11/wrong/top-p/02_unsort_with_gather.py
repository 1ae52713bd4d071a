"""WRONG: restores vocabulary order with kept_sorted.gather(-1, order), which applies the sort permutation a second time
instead of inverting it (scatter or gather with argsort(order)); each token receives another rank's probability.
A good grader should say the results are put back in the wrong order (gather with the sort indices instead of the
inverse permutation).
"""

import torch

def top_p_probs(logits: torch.Tensor, temperature: float, p: float) -> torch.Tensor:
    """logits: (..., V); temperature > 0; 0 < p <= 1 -> probabilities (..., V), same dtype."""
    probs = torch.softmax(logits / temperature, dim=-1)
    sorted_p, order = torch.sort(probs, dim=-1, descending=True)
    mass_above = torch.cumsum(sorted_p, dim=-1) - sorted_p
    kept_sorted = torch.where(mass_above < p, sorted_p, torch.zeros_like(sorted_p))
    kept_sorted = kept_sorted / kept_sorted.sum(dim=-1, keepdim=True)
    return kept_sorted.gather(-1, order)
