"""MISTAKE: uses the (k+1)-th sorted value as the threshold with >=, keeping k+1 tokens
EXPECTED DIAGNOSIS: Off-by-one: the k-th largest is sorted[..., k-1]; thresholding at sorted[..., k] keeps one token too many.
"""
import torch


def top_k_probs(logits: torch.Tensor, temperature: float, k: int) -> torch.Tensor:
    s = logits / temperature
    srt = torch.sort(s, dim=-1, descending=True).values
    kth = srt[..., min(k, srt.shape[-1] - 1):][..., :1]
    s = s.masked_fill(s < kth, float("-inf"))
    return torch.softmax(s, dim=-1)
