"""top-k: a realistic wrong solution (tuning set).

MISTAKE: threshold from sort()[k] (the (k+1)-th)
EXPECTED DIAGNOSIS: keeps k + 1
KEYWORDS: k + 1
"""
import torch


def top_k_probs(logits, temperature, k):
    scaled = logits / temperature
    kth = scaled.sort(dim=-1, descending=True).values[..., k:k + 1]
    masked = scaled.masked_fill(scaled < kth, float("-inf"))
    return torch.softmax(masked, dim=-1)
