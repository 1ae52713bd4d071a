"""
MISTAKE: The temperature divides the probabilities after the softmax (softmax(logits) / T, renormalised over the kept tokens): it cancels out.
"""
import torch

def top_k_probs(logits, temperature, k):
    probs = torch.softmax(logits, -1) / temperature
    vals, idx = probs.topk(k, -1)
    out = torch.zeros_like(probs).scatter(-1, idx, vals)
    return out / out.sum(-1, keepdim=True)
