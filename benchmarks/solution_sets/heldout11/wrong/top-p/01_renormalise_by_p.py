"""WRONG: renormalises the kept probabilities by dividing by p instead of by their own sum (the kept mass is >= p,
so rows sum to more than 1); right only for p = 1. A good grader should say the kept probabilities are divided by p
instead of by the kept mass, so rows do not sum to 1.
"""

import torch

def top_p_probs(logits: torch.Tensor, temperature: float, p: float) -> torch.Tensor:
    """logits: (..., V); temperature > 0; 0 < p <= 1 -> probabilities (..., V), same dtype."""
    probs = torch.softmax(logits / temperature, dim=-1)
    sorted_p, order = torch.sort(probs, dim=-1, descending=True)
    mass_above = torch.cumsum(sorted_p, dim=-1) - sorted_p
    kept_sorted = torch.where(mass_above < p, sorted_p, torch.zeros_like(sorted_p))
    kept_sorted = kept_sorted / p
    return torch.zeros_like(probs).scatter(-1, order, kept_sorted)
