"""
MISTAKE: Keeps a token when the inclusive running total cumsum <= p, which drops the token that takes the total past p (and with a tiny p drops even the top token, leaving an all-zero row and NaN after renormalising).
EXPECTED DIAGNOSIS: Crossing token dropped: the test is on the mass strictly above each token (cumsum - prob < p), so the token that crosses p, and always the top token, is kept.
"""

import torch


def top_p_probs(logits: torch.Tensor, temperature: float, p: float) -> torch.Tensor:
    """logits: (..., V); temperature > 0; 0 < p <= 1 -> probabilities (..., V), same dtype."""
    probs = torch.softmax(logits / temperature, dim=-1)
    sorted_probs, order = probs.sort(dim=-1, descending=True)
    keep = sorted_probs.cumsum(dim=-1) <= p
    kept = sorted_probs * keep
    kept = kept / kept.sum(dim=-1, keepdim=True)
    return torch.zeros_like(probs).scatter(-1, order, kept)
