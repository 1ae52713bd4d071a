"""
MISTAKE: The cut keeps tokens strictly greater than the k-th largest value (`scaled > kth`), which drops the k-th token itself: only k - 1 tokens survive, and k = 1 keeps nothing (all -inf, NaN).
EXPECTED DIAGNOSIS: One token too few: the k-th largest value is itself kept; compare with `>=` (or mask `scaled < kth`) so exactly k tokens remain.
"""

import torch


def top_k_probs(logits: torch.Tensor, temperature: float, k: int) -> torch.Tensor:
    """logits: (..., V); temperature > 0; 1 <= k <= V -> probabilities (..., V), same dtype."""
    z = logits / temperature
    kth = z.topk(k, dim=-1).values[..., -1:]
    z = z.masked_fill(~(z > kth), float('-inf'))
    return z.softmax(dim=-1)
