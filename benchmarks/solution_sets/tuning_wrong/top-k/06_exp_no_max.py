"""top-k: a realistic wrong solution (tuning set).

MISTAKE: hand-written softmax: exp(masked) / sum, without subtracting the maximum
EXPECTED DIAGNOSIS: overflow for large logits
KEYWORDS: overflow | maximum
"""
import torch


def top_k_probs(logits, temperature, k):
    scaled = logits / temperature
    kth = torch.topk(scaled, k, dim=-1).values[..., -1:]
    masked = scaled.masked_fill(scaled < kth, float("-inf"))
    e = torch.exp(masked)
    return e / e.sum(dim=-1, keepdim=True)
