"""WRONG: everything is written for (N, V): the softmax, sort, cumsum and scatter all use dim=1.
Mistake: (V,) inputs raise an IndexError and (N, T, V) inputs are normalised, sorted and cut over the
T axis instead of the vocabulary; a good grader should say the operations run over dimension 1
instead of the last dimension."""

import torch


def top_p_probs(logits: torch.Tensor, temperature: float, p: float) -> torch.Tensor:
    """logits: (..., V); temperature > 0; 0 < p <= 1 -> probabilities (..., V), same dtype."""
    probs = torch.softmax(logits / temperature, dim=1)
    sorted_probs, sorted_idx = torch.sort(probs, dim=1, descending=True)
    above = torch.cumsum(sorted_probs, dim=1) - sorted_probs
    sorted_probs = sorted_probs * (above < p)
    sorted_probs = sorted_probs / sorted_probs.sum(dim=1, keepdim=True)
    return torch.zeros_like(probs).scatter(1, sorted_idx, sorted_probs)
