"""
MISTAKE: Sets the non-top-k logits to 0 (not -inf) before the softmax, so dropped tokens still get probability exp(0)/Z.
EXPECTED DIAGNOSIS: Filtered tokens must get probability exactly 0: fill them with -inf before the softmax (or zero their probabilities after and renormalise). A logit of 0 is an ordinary logit.
"""
import math

import torch

def top_k_probs(logits, temperature, k):
    s = logits / temperature
    kth = torch.topk(s, k, dim=-1).values[..., -1:]
    s = torch.where(s >= kth, s, torch.zeros_like(s))
    return torch.softmax(s, dim=-1)
