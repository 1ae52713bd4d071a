"""
MISTAKE: Stabilises the softmax by subtracting the maximum of the WHOLE tensor instead of each row's maximum; rows whose top logit is far below the global maximum (e.g. logits ~1e4*randn, or low temperature) underflow to 0/0 = NaN.
EXPECTED DIAGNOSIS: The max subtracted before exp must be per row (amax over the last dim, keepdim=True), not one global max.
"""

import torch


def top_k_probs(logits: torch.Tensor, temperature: float, k: int) -> torch.Tensor:
    """logits: (..., V); temperature > 0; 1 <= k <= V -> probabilities (..., V), same dtype."""
    s = logits / temperature
    kth = torch.sort(s, dim=-1, descending=True).values[..., k - 1:k]    # k-th largest per row
    s = torch.where(s >= kth, s, torch.full_like(s, float("-inf")))
    m = s.max()                                                           # shift by the max for stability
    e = torch.exp(s - m)
    return e / e.sum(dim=-1, keepdim=True)
