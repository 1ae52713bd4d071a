"""
MISTAKE: Sorts every row by the order of row 0 (order computed on logits[0] and broadcast).
"""
import torch

def top_p_probs(logits, temperature, p):
    probs = torch.softmax(logits / temperature, -1)
    flat = probs.reshape(-1, probs.shape[-1])
    order = flat[0].argsort(descending=True).expand_as(flat)
    s = flat.gather(-1, order)
    keep = (s.cumsum(-1) - s) < p
    kept = torch.where(keep, s, torch.zeros_like(s))
    kept = kept / kept.sum(-1, keepdim=True)
    return torch.zeros_like(flat).scatter(-1, order, kept).reshape(probs.shape)
