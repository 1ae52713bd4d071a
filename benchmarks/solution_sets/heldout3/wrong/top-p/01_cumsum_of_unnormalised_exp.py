"""
MISTAKE: Computes the cumulative mass on exp(s - max) (unnormalised) rather than on the softmax probabilities, so the cumulative 'mass' is compared against p on the wrong scale.
EXPECTED DIAGNOSIS: The mass above a token is a sum of probabilities: normalise by the row total before the cumsum. exp(s - max) has the top token at 1.0, so your cumulative values are too large and too few tokens are kept.
"""
import math

import torch

def top_p_probs(logits, temperature, p):
    s = logits / temperature
    e = torch.exp(s - s.amax(dim=-1, keepdim=True))
    sorted_e, order = torch.sort(e, dim=-1, descending=True)
    above = torch.cumsum(sorted_e, dim=-1) - sorted_e
    keep_sorted = above < p
    keep = torch.zeros_like(keep_sorted).scatter(-1, order, keep_sorted)
    kept = torch.where(keep, e, torch.zeros_like(e))
    return kept / kept.sum(dim=-1, keepdim=True)
