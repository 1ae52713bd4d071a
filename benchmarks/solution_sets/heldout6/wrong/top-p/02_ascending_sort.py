"""
MISTAKE: Sorts with torch.sort's default ascending order, so the running mass is accumulated from the least likely token upward and the nucleus is built from the tail instead of the head.
EXPECTED DIAGNOSIS: Ascending sort: rank tokens from the most to the least likely (sort(descending=True)) before the cumulative sum (p = 1 agrees).
"""

import torch


def top_p_probs(logits: torch.Tensor, temperature: float, p: float) -> torch.Tensor:
    """logits: (..., V); temperature > 0; 0 < p <= 1 -> probabilities (..., V), same dtype."""
    probs = torch.softmax(logits / temperature, dim=-1)
    sp, order = torch.sort(probs, dim=-1)
    mass_above = torch.cumsum(sp, dim=-1) - sp
    sp = torch.where(mass_above < p, sp, torch.zeros_like(sp))
    sp = sp / sp.sum(dim=-1, keepdim=True)
    return torch.zeros_like(probs).scatter(-1, order, sp)
