"""CORRECT: sorts descending, builds the keep mask by shifting (cumsum < p) one place to the right with the top token
forced in, sends the mask back to vocabulary order with scatter, then masks and renormalises in vocabulary order.
"""

import torch

def top_p_probs(logits: torch.Tensor, temperature: float, p: float) -> torch.Tensor:
    """logits: (..., V); temperature > 0; 0 < p <= 1 -> probabilities (..., V), same dtype."""
    probs = torch.softmax(logits / temperature, dim=-1)
    sorted_p, order = probs.sort(dim=-1, descending=True)
    below = sorted_p.cumsum(dim=-1) < p
    first = torch.ones_like(below[..., :1])
    keep_sorted = torch.cat([first, below[..., :-1]], dim=-1)
    keep = torch.zeros_like(keep_sorted).scatter(-1, order, keep_sorted)
    kept = probs * keep
    return kept / kept.sum(dim=-1, keepdim=True)
