"""top-k: a realistic wrong solution (tuning set).

MISTAKE: multiplies by temperature
EXPECTED DIAGNOSIS: temperature multiplied
KEYWORDS: multiplied
"""
import torch


def top_k_probs(logits, temperature, k):
    scaled = logits * temperature
    kth = torch.topk(scaled, k, dim=-1).values[..., -1:]
    masked = scaled.masked_fill(scaled < kth, float("-inf"))
    return torch.softmax(masked, dim=-1)
