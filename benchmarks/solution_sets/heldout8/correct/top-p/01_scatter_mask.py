"""CORRECT: exclusive cumsum via subtraction, keep-mask scattered back to vocab order"""

import torch


def top_p_probs(logits: torch.Tensor, temperature: float, p: float) -> torch.Tensor:
    """logits: (..., V); temperature > 0; 0 < p <= 1 -> probabilities (..., V), same dtype."""
    probs = torch.softmax(logits / temperature, dim=-1)
    sorted_p, order = torch.sort(probs, dim=-1, descending=True)
    mass_above = torch.cumsum(sorted_p, dim=-1) - sorted_p        # exclusive cumsum
    keep_sorted = mass_above < p
    keep = torch.zeros_like(keep_sorted).scatter(-1, order, keep_sorted)   # back to vocab order
    kept = probs * keep
    return kept / kept.sum(dim=-1, keepdim=True)
