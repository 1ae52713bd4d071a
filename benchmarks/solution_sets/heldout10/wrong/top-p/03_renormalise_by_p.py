"""WRONG: keeps the right tokens but "renormalises" by dividing by p instead of by the total kept
probability. Mistake: the result sums to (kept mass)/p, not 1 (e.g. the statement's example gives
[0, 0.667, 0, 0.4] instead of [0, 0.625, 0, 0.375]; p = 0.001 gives 1000x the top prob); only p = 1
is right; a good grader should say the kept probabilities are divided by p rather than by their own
sum, so rows do not sum to 1."""

import torch


def top_p_probs(logits: torch.Tensor, temperature: float, p: float) -> torch.Tensor:
    """logits: (..., V); temperature > 0; 0 < p <= 1 -> probabilities (..., V), same dtype."""
    probs = torch.softmax(logits / temperature, dim=-1)
    sorted_probs, sorted_idx = torch.sort(probs, dim=-1, descending=True)
    above = torch.cumsum(sorted_probs, dim=-1) - sorted_probs
    sorted_probs = torch.where(above < p, sorted_probs, torch.zeros_like(sorted_probs)) / p
    return torch.zeros_like(probs).scatter(-1, sorted_idx, sorted_probs)
