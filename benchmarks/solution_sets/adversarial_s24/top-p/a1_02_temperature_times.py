"""
MISTAKE: logits multiplied by the temperature instead of divided.
"""
import torch

def top_p_probs(logits, temperature, p):
    probs = torch.softmax(logits * temperature, -1)
    s, idx = probs.sort(-1, descending=True)
    keep_sorted = (s.cumsum(-1) - s) < p
    kept = torch.where(keep_sorted, s, torch.zeros_like(s))
    kept = kept / kept.sum(-1, keepdim=True)
    return torch.zeros_like(probs).scatter(-1, idx, kept)
