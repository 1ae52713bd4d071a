"""
MISTAKE: After zeroing the cut tokens of a full softmax, the renormalisation divides by `probs.sum()` over the whole tensor instead of each row's sum, so only a single (V,) vector comes out right; batched rows are scaled by the batch total.
EXPECTED DIAGNOSIS: Renormalised over the wrong axis: divide by `probs.sum(dim=-1, keepdim=True)`; (N, V) and (N, T, V) rows do not sum to 1.
"""

import torch


def top_k_probs(logits: torch.Tensor, temperature: float, k: int) -> torch.Tensor:
    """logits: (..., V); temperature > 0; 1 <= k <= V -> probabilities (..., V), same dtype."""
    probs = torch.softmax(logits / temperature, dim=-1)
    top_idx = probs.topk(k, dim=-1).indices
    keep = torch.zeros_like(probs, dtype=torch.bool).scatter(-1, top_idx, True)
    probs = probs * keep
    return probs / probs.sum()
