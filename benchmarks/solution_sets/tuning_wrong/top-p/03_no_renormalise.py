"""top-p: a realistic wrong solution (tuning set).

MISTAKE: returns the kept probabilities without renormalising
EXPECTED DIAGNOSIS: not renormalised
KEYWORDS: renormalised
"""
import torch


def top_p_probs(logits, temperature, p):
    probs = torch.softmax(logits / temperature, dim=-1)
    sorted_probs, order = probs.sort(dim=-1, descending=True)
    before = sorted_probs.cumsum(dim=-1) - sorted_probs
    keep_sorted = before < p
    keep = torch.zeros_like(keep_sorted).scatter(-1, order, keep_sorted)
    kept = probs * keep
    return kept
