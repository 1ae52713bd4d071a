"""WRONG: adds an early return for p >= 1 that returns softmax(logits) and forgets the temperature there; all p < 1 cases
are right, but p = 1 with temperature != 1 is wrong. A good grader should say the p = 1 case ignores the temperature.
"""

import torch

def top_p_probs(logits: torch.Tensor, temperature: float, p: float) -> torch.Tensor:
    """logits: (..., V); temperature > 0; 0 < p <= 1 -> probabilities (..., V), same dtype."""
    if p >= 1.0:
        return torch.softmax(logits, dim=-1)  # everything is kept
    probs = torch.softmax(logits / temperature, dim=-1)
    sorted_p, order = torch.sort(probs, dim=-1, descending=True)
    mass_above = torch.cumsum(sorted_p, dim=-1) - sorted_p
    kept_sorted = torch.where(mass_above < p, sorted_p, torch.zeros_like(sorted_p))
    kept_sorted = kept_sorted / kept_sorted.sum(dim=-1, keepdim=True)
    return torch.zeros_like(probs).scatter(-1, order, kept_sorted)
