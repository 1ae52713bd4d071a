"""
MISTAKE: divides by sqrt(temperature) (a 'softer' temperature).
"""
import torch

def top_k_probs(logits, temperature, k):
    scaled = logits / temperature ** 0.5
    vals, idx = scaled.topk(k, -1)
    out = torch.full_like(scaled, float("-inf")).scatter(-1, idx, vals)
    return torch.softmax(out, -1)
