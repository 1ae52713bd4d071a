"""
MISTAKE: NOT A REAL MISTAKE: keeps a token while the mass above it is <= p (not < p); differs from the contract only when the mass above equals p exactly, which no case has; passes.
"""
import torch

def top_p_probs(logits, temperature, p):
    probs = torch.softmax(logits / temperature, -1)
    s, idx = probs.sort(-1, descending=True)
    keep_sorted = (s.cumsum(-1) - s) <= p
    kept = torch.where(keep_sorted, s, torch.zeros_like(s))
    kept = kept / kept.sum(-1, keepdim=True)
    return torch.zeros_like(probs).scatter(-1, idx, kept)
