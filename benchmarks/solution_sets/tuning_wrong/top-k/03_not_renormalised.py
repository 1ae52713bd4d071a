"""top-k: a realistic wrong solution (tuning set).

MISTAKE: zeroes after softmax without renormalising
EXPECTED DIAGNOSIS: not renormalised
KEYWORDS: renormalised
"""
import torch


def top_k_probs(logits, temperature, k):
    scaled = logits / temperature
    kth = torch.topk(scaled, k, dim=-1).values[..., -1:]
    probs = torch.softmax(scaled, dim=-1)
    return probs.masked_fill(scaled < kth, 0.0)
