"""
CORRECT: Float64 log-space version: threshold from a descending sort (keep >= k-th value), log-probabilities via logsumexp over the kept entries, exp, cast back.
"""

import torch


def top_k_probs(logits: torch.Tensor, temperature: float, k: int) -> torch.Tensor:
    """logits: (..., V); temperature > 0; 1 <= k <= V -> probabilities (..., V), same dtype."""
    s = logits.to(torch.float64) / temperature
    kth = s.sort(dim=-1, descending=True).values[..., k - 1:k]
    s = torch.where(s >= kth, s, torch.tensor(float('-inf'), dtype=s.dtype))
    logp = s - torch.logsumexp(s, dim=-1, keepdim=True)
    return logp.exp().to(logits.dtype)
