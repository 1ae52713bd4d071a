"""
MISTAKE: Uses torch.kthvalue(s, k) as the threshold, but kthvalue returns the k-th SMALLEST value, so it keeps the V-k+1 largest tokens instead of the k largest.
EXPECTED DIAGNOSIS: The threshold is the k-th smallest, not the k-th largest: use kthvalue(s, V-k+1) or topk(s, k).values[..., -1].
"""

import torch


def top_k_probs(logits: torch.Tensor, temperature: float, k: int) -> torch.Tensor:
    """logits: (..., V); temperature > 0; 1 <= k <= V -> probabilities (..., V), same dtype."""
    s = logits / temperature
    kth = torch.kthvalue(s, k, dim=-1, keepdim=True).values              # k-th largest per row
    s = torch.where(s >= kth, s, torch.full_like(s, float("-inf")))
    m = s.amax(dim=-1, keepdim=True)                                      # finite: the top logit
    e = torch.exp(s - m)
    return e / e.sum(dim=-1, keepdim=True)
