"""
MISTAKE: Zeroes the tokens outside the nucleus but never divides by the kept mass, so rows sum to the nucleus mass (< 1) instead of 1.
EXPECTED DIAGNOSIS: Missing renormalisation: divide the kept probabilities by their sum so each row sums to 1 (p = 1 agrees).
"""

import torch


def top_p_probs(logits: torch.Tensor, temperature: float, p: float) -> torch.Tensor:
    """logits: (..., V); temperature > 0; 0 < p <= 1 -> probabilities (..., V), same dtype."""
    probs = torch.softmax(logits / temperature, dim=-1)
    sorted_probs, order = torch.sort(probs, dim=-1, descending=True)
    exclusive = torch.cumsum(sorted_probs, dim=-1) - sorted_probs
    remove_sorted = exclusive >= p
    remove = torch.zeros_like(remove_sorted).scatter(-1, order, remove_sorted)
    return probs.masked_fill(remove, 0.0)
