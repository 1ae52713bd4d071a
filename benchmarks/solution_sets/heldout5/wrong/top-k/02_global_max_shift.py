"""
MISTAKE: The hand-written stable softmax subtracts the maximum of the whole tensor (`scaled.max()`) instead of each row's maximum, so in a batch whose rows have very different scales (logits ~ 1e4 * randn, small temperatures) the lower rows underflow to all zeros and come out 0/0 = NaN.
EXPECTED DIAGNOSIS: The softmax shift is global, not per row: subtract `scaled.max(dim=-1, keepdim=True).values` (or use torch.softmax); right for a single vector, NaN for batched rows far below the batch maximum.
"""

import torch


def top_k_probs(logits: torch.Tensor, temperature: float, k: int) -> torch.Tensor:
    """logits: (..., V); temperature > 0; 1 <= k <= V -> probabilities (..., V), same dtype."""
    s = logits / temperature
    kth = torch.topk(s, k, dim=-1).values[..., -1:]
    s = torch.where(s >= kth, s, torch.full_like(s, float('-inf')))
    e = torch.exp(s - s.max())                  # shift for stability
    return e / e.sum(dim=-1, keepdim=True)
