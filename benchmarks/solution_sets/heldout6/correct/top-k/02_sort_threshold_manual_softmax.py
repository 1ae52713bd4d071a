"""
CORRECT: Sorts descending to read the k-th largest value, keeps s >= kth via torch.where with -inf, and writes the stable softmax by hand (subtract the row max, exp, divide by the sum).
"""

import torch


def top_k_probs(logits: torch.Tensor, temperature: float, k: int) -> torch.Tensor:
    """logits: (..., V); temperature > 0; 1 <= k <= V -> probabilities (..., V), same dtype."""
    s = logits / temperature
    desc = s.sort(dim=-1, descending=True).values
    kth = desc[..., k - 1:k]
    masked = torch.where(s >= kth, s, torch.full_like(s, float("-inf")))
    m = masked.amax(dim=-1, keepdim=True)
    e = torch.exp(masked - m)
    return e / e.sum(dim=-1, keepdim=True)
