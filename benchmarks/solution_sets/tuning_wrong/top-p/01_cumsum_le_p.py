"""top-p: a realistic wrong solution (tuning set).

MISTAKE: keeps cumsum <= p
EXPECTED DIAGNOSIS: drops the token crossing p
KEYWORDS: cumsum <= p | dropped | includes the token itself
"""
import torch


def top_p_probs(logits, temperature, p):
    probs = torch.softmax(logits / temperature, dim=-1)
    sorted_probs, order = probs.sort(dim=-1, descending=True)
    before = sorted_probs.cumsum(dim=-1) - sorted_probs
    keep_sorted = sorted_probs.cumsum(dim=-1) <= p
    keep = torch.zeros_like(keep_sorted).scatter(-1, order, keep_sorted)
    kept = probs * keep
    return kept / kept.sum(dim=-1, keepdim=True)
