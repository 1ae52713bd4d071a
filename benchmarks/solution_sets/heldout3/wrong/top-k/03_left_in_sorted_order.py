"""
MISTAKE: Writes the k kept probabilities into the first k slots (sorted order) instead of scattering them back to their token ids.
EXPECTED DIAGNOSIS: Entry i of the result must be token i's probability. topk returns values sorted by size together with their indices; put each value back at its index (scatter), not at position 0..k-1.
"""
import math

import torch

def top_k_probs(logits, temperature, k):
    s = logits / temperature
    top = torch.topk(s, k, dim=-1).values
    probs = torch.zeros_like(s)
    probs[..., :k] = torch.softmax(top, dim=-1)
    return probs
