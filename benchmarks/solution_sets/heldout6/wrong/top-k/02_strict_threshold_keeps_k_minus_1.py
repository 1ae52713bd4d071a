"""
MISTAKE: Keeps tokens strictly greater than the k-th largest value (sorted[..., k-1]), which drops the k-th token itself: only k-1 tokens survive, and k = 1 leaves nothing (all -inf, NaN).
EXPECTED DIAGNOSIS: One token too few: the k-th largest must be kept (keep scaled >= kth, or use topk(k) indices); k = 1 gives NaN instead of a one-hot.
"""

import torch


def top_k_probs(logits: torch.Tensor, temperature: float, k: int) -> torch.Tensor:
    """logits: (..., V); temperature > 0; 1 <= k <= V -> probabilities (..., V), same dtype."""
    s = logits / temperature
    sorted_desc, _ = torch.sort(s, dim=-1, descending=True)
    kth = sorted_desc[..., k - 1].unsqueeze(-1)
    s = torch.where(s > kth, s, torch.full_like(s, float("-inf")))
    return torch.softmax(s, dim=-1)
