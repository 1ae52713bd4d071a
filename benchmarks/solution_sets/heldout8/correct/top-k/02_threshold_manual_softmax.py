"""CORRECT: k-th largest threshold via sort, -inf fill, hand-written max-shifted softmax"""

import torch


def top_k_probs(logits: torch.Tensor, temperature: float, k: int) -> torch.Tensor:
    """logits: (..., V); temperature > 0; 1 <= k <= V -> probabilities (..., V), same dtype."""
    s = logits / temperature
    kth = torch.sort(s, dim=-1, descending=True).values[..., k - 1:k]    # k-th largest per row
    s = torch.where(s >= kth, s, torch.full_like(s, float("-inf")))
    m = s.amax(dim=-1, keepdim=True)                                      # finite: the top logit
    e = torch.exp(s - m)
    return e / e.sum(dim=-1, keepdim=True)
