"""
CORRECT: Builds a boolean keep mask from the sorted k-th value and normalises with `logsumexp` over the kept entries.
"""
import torch


def top_k_probs(logits: torch.Tensor, temperature: float, k: int) -> torch.Tensor:
    s = logits / temperature
    kth = s.sort(dim=-1, descending=True).values.narrow(-1, k - 1, 1)
    keep = s >= kth
    neg_inf = torch.tensor(float("-inf"), dtype=s.dtype)
    kept = torch.where(keep, s, neg_inf)
    return torch.exp(kept - torch.logsumexp(kept, dim=-1, keepdim=True))
