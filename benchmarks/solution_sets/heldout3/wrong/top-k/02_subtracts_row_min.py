"""
MISTAKE: 'Stabilises' the softmax by subtracting the row MINIMUM instead of the maximum, so exp overflows to inf for spread-out logits (NaN), and -inf logits give NaN rows.
EXPECTED DIAGNOSIS: Subtract the row maximum (or use torch.softmax): after subtracting the max every exponent is <= 0. Subtracting the minimum makes every exponent >= 0, which overflows for large logits or low temperature.
"""
import math

import torch

def top_k_probs(logits, temperature, k):
    s = logits / temperature
    vals, idx = s.topk(k, dim=-1)
    e = torch.exp(vals - vals.min(dim=-1, keepdim=True).values)   # numerically stable
    out = torch.zeros_like(s)
    return out.scatter(-1, idx, e / e.sum(dim=-1, keepdim=True))
