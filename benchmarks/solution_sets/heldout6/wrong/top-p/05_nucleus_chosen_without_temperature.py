"""
MISTAKE: Chooses the nucleus from the untempered softmax(logits) and only then applies the temperature to the kept probabilities, so the set of kept tokens is decided at temperature 1 instead of after dividing the logits by the temperature.
EXPECTED DIAGNOSIS: Temperature in the wrong place: compute probs = softmax(logits / temperature) first and select the nucleus from those (temperature 1 agrees).
"""

import torch


def top_p_probs(logits: torch.Tensor, temperature: float, p: float) -> torch.Tensor:
    """logits: (..., V); temperature > 0; 0 < p <= 1 -> probabilities (..., V), same dtype."""
    base = torch.softmax(logits, dim=-1)
    sorted_base, order = base.sort(dim=-1, descending=True)
    above = sorted_base.cumsum(dim=-1) - sorted_base
    keep_sorted = above < p
    keep = torch.zeros_like(keep_sorted).scatter(-1, order, keep_sorted)
    tempered = (logits / temperature).masked_fill(~keep, float("-inf"))
    return torch.softmax(tempered, dim=-1)
