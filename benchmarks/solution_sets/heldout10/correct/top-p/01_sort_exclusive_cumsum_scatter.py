"""CORRECT: top-p probabilities: softmax(logits / temperature) over the last dim, sort descending,
mass strictly above each token = cumsum - own prob, keep where that is < p, renormalise in sorted order,
and scatter back to vocabulary order with the sort indices."""

import torch


def top_p_probs(logits: torch.Tensor, temperature: float, p: float) -> torch.Tensor:
    """logits: (..., V); temperature > 0; 0 < p <= 1 -> probabilities (..., V), same dtype."""
    probs = torch.softmax(logits / temperature, dim=-1)
    sorted_p, order = probs.sort(dim=-1, descending=True)
    mass_above = sorted_p.cumsum(dim=-1) - sorted_p
    kept = torch.where(mass_above < p, sorted_p, torch.zeros_like(sorted_p))
    kept = kept / kept.sum(dim=-1, keepdim=True)
    return torch.zeros_like(probs).scatter(-1, order, kept)
