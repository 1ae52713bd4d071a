"""WRONG: renormalises with kept_sorted.sum() over the whole tensor (dim forgotten), so for a batch every row is divided
by the total kept mass of all rows; a single (V,) vector is right. A good grader should say batched rows do not sum to 1
because the renormalising sum runs over the whole batch instead of each row.
"""

import torch

def top_p_probs(logits: torch.Tensor, temperature: float, p: float) -> torch.Tensor:
    """logits: (..., V); temperature > 0; 0 < p <= 1 -> probabilities (..., V), same dtype."""
    probs = torch.softmax(logits / temperature, dim=-1)
    sorted_p, order = torch.sort(probs, dim=-1, descending=True)
    mass_above = torch.cumsum(sorted_p, dim=-1) - sorted_p
    kept_sorted = torch.where(mass_above < p, sorted_p, torch.zeros_like(sorted_p))
    kept_sorted = kept_sorted / kept_sorted.sum()
    return torch.zeros_like(probs).scatter(-1, order, kept_sorted)
