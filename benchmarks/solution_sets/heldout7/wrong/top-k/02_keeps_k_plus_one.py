"""
MISTAKE: Takes the threshold as `sorted_desc[..., k]` (the (k+1)-th largest, 0-based indexing slip) and keeps values >= it, so k+1 tokens survive (and k = V indexes out of range).
EXPECTED DIAGNOSIS: One token too many: the k-th largest is `sorted_desc[..., k-1]` (or `topk(k).values[..., -1]`); k = 1 must be one-hot.
"""
import torch


def top_k_probs(logits: torch.Tensor, temperature: float, k: int) -> torch.Tensor:
    s = logits / temperature
    sorted_desc, _ = torch.sort(s, dim=-1, descending=True)
    V = s.shape[-1]
    if k >= V:
        return torch.softmax(s, dim=-1)
    threshold = sorted_desc[..., k].unsqueeze(-1)
    s = torch.where(s >= threshold, s, torch.full_like(s, float("-inf")))
    return torch.softmax(s, dim=-1)
