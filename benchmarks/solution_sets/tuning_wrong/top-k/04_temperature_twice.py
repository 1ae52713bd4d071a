"""top-k: a realistic wrong solution (tuning set).

MISTAKE: divides by temperature twice
EXPECTED DIAGNOSIS: temperature applied twice
KEYWORDS: twice
"""
import torch


def top_k_probs(logits, temperature, k):
    scaled = logits / temperature / temperature
    kth = torch.topk(scaled, k, dim=-1).values[..., -1:]
    masked = scaled.masked_fill(scaled < kth, float("-inf"))
    return torch.softmax(masked, dim=-1)
