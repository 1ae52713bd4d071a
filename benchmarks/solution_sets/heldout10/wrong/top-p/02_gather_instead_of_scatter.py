"""WRONG: maps the filtered sorted probabilities back to vocabulary order with
sorted.gather(-1, sorted_idx) instead of scattering them with sorted_idx. Mistake: gather applies the
sort permutation a second time rather than inverting it, so probabilities land on the wrong tokens
whenever the permutation is not its own inverse (right only for rows already sorted or swapped
pairwise); a good grader should say the probabilities are assigned to the wrong token ids because the
un-sorting uses gather with the sort indices instead of scatter (or the inverse permutation)."""

import torch


def top_p_probs(logits: torch.Tensor, temperature: float, p: float) -> torch.Tensor:
    """logits: (..., V); temperature > 0; 0 < p <= 1 -> probabilities (..., V), same dtype."""
    probs = torch.softmax(logits / temperature, dim=-1)
    sorted_probs, sorted_idx = torch.sort(probs, dim=-1, descending=True)
    above = torch.cumsum(sorted_probs, dim=-1) - sorted_probs
    sorted_probs = sorted_probs.masked_fill(above >= p, 0.0)
    sorted_probs = sorted_probs / sorted_probs.sum(dim=-1, keepdim=True)
    return sorted_probs.gather(-1, sorted_idx)
