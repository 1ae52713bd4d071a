"""
MISTAKE: the nucleus is chosen on softmax(logits) and the kept tokens renormalised from softmax(logits / T).
"""
import torch

def top_p_probs(logits, temperature, p):
    base = torch.softmax(logits, -1)
    s, idx = base.sort(-1, descending=True)
    above = s.cumsum(-1) - s
    keep_sorted = above < p
    keep = torch.zeros_like(keep_sorted).scatter(-1, idx, keep_sorted)
    probs = torch.softmax(logits / temperature, -1) * keep
    return probs / probs.sum(-1, keepdim=True)
