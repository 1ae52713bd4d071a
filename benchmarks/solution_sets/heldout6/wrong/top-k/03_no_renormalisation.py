"""
MISTAKE: Takes the full softmax over all V tokens and then zeroes the ones outside the top k without renormalising, so each row sums to less than 1.
EXPECTED DIAGNOSIS: No renormalisation after the cut: divide by the kept mass (or mask the logits with -inf before the softmax) so the kept probabilities sum to 1 (k = V agrees).
"""

import torch


def top_k_probs(logits: torch.Tensor, temperature: float, k: int) -> torch.Tensor:
    """logits: (..., V); temperature > 0; 1 <= k <= V -> probabilities (..., V), same dtype."""
    probs = torch.softmax(logits / temperature, dim=-1)
    idx = probs.topk(k, dim=-1).indices
    keep = torch.zeros_like(probs, dtype=torch.bool).scatter(-1, idx, True)
    return probs * keep
