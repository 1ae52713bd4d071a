"""CORRECT: sorts descending to read the k-th value as a threshold, masks with torch.where to -inf, then exp(log_softmax)."""

import torch


def top_k_probs(logits: torch.Tensor, temperature: float, k: int) -> torch.Tensor:
    """logits: (..., V); temperature > 0; 1 <= k <= V -> probabilities (..., V), same dtype."""
    s = logits / temperature
    ranked = torch.sort(s, dim=-1, descending=True).values
    threshold = ranked.narrow(-1, k - 1, 1)
    neg_inf = torch.full_like(s, float("-inf"))
    masked = torch.where(s >= threshold, s, neg_inf)
    return torch.log_softmax(masked, dim=-1).exp()
