"""top-p: a realistic wrong solution (tuning set).

MISTAKE: chooses the nucleus on softmax(logits)
EXPECTED DIAGNOSIS: nucleus before temperature
KEYWORDS: before the temperature
"""
import torch


def top_p_probs(logits, temperature, p):
    probs = torch.softmax(logits, dim=-1)
    sorted_probs, order = probs.sort(dim=-1, descending=True)
    before = sorted_probs.cumsum(dim=-1) - sorted_probs
    keep_sorted = before < p
    keep = torch.zeros_like(keep_sorted).scatter(-1, order, keep_sorted)
    kept = torch.softmax(logits / temperature, dim=-1) * keep
    return kept / kept.sum(dim=-1, keepdim=True)
