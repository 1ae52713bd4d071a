"""CORRECT: sorts logits / T descending in float64, builds the keep mask from the k-th largest value, normalises with
logsumexp over the kept entries (exp(s - lse)), and casts back to the input dtype.
"""

import torch

def top_k_probs(logits: torch.Tensor, temperature: float, k: int) -> torch.Tensor:
    """logits: (..., V); temperature > 0; 1 <= k <= V -> probabilities (..., V), same dtype."""
    s = logits.double() / temperature
    ranked = torch.sort(s, dim=-1, descending=True).values
    threshold = ranked[..., k - 1].unsqueeze(-1)
    keep = s >= threshold
    neg_inf = torch.full_like(s, float("-inf"))
    kept = torch.where(keep, s, neg_inf)
    lse = torch.logsumexp(kept, dim=-1, keepdim=True)
    probs = torch.where(keep, torch.exp(kept - lse), torch.zeros_like(s))
    return probs.to(logits.dtype)
