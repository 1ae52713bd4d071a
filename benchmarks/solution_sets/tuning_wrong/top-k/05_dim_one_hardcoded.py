"""top-k: a realistic wrong solution (tuning set).

MISTAKE: topk and softmax over dim=1 (breaks 3-d logits)
EXPECTED DIAGNOSIS: not over the last axis
KEYWORDS: last axis
"""
import torch


def top_k_probs(logits, temperature, k):
    scaled = logits / temperature
    kth = torch.topk(scaled, k, dim=1).values[..., -1:]
    masked = scaled.masked_fill(scaled < kth, float("-inf"))
    return torch.softmax(masked, dim=1)
