"""
MISTAKE: Written in the "indices to remove" style: tokens whose running total INCLUDING themselves exceeds p are removed (`cumsum > p`), without shifting the mask one place right, so the token that takes the total past p is dropped (and for a tiny p even the top token goes, giving 0/0 = NaN).
EXPECTED DIAGNOSIS: The crossing token is dropped: keep a token when the mass strictly above it is < p (exclusive cumsum, `cumsum - sorted < p`, or shift the remove-mask right by one so the top token always stays).
"""

import torch


def top_p_probs(logits: torch.Tensor, temperature: float, p: float) -> torch.Tensor:
    """logits: (..., V); temperature > 0; 0 < p <= 1 -> probabilities (..., V), same dtype."""
    probs = torch.softmax(logits / temperature, dim=-1)
    sorted_probs, sorted_idx = torch.sort(probs, dim=-1, descending=True)
    cumulative = sorted_probs.cumsum(dim=-1)
    sorted_to_remove = cumulative > p
    to_remove = sorted_to_remove.scatter(-1, sorted_idx, sorted_to_remove)
    probs = probs.masked_fill(to_remove, 0.0)
    return probs / probs.sum(dim=-1, keepdim=True)
