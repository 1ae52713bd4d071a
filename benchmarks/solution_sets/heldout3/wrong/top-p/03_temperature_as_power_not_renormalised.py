"""
MISTAKE: Applies the temperature to the probabilities as softmax(logits)**(1/T) and runs the cumulative-mass test on these unnormalised powers (renormalising only at the end).
EXPECTED DIAGNOSIS: Temperature goes on the logits: softmax(logits / T). p**(1/T) is proportional to it, but until you renormalise its row does not sum to 1, so the cutoff against p keeps the wrong set whenever T != 1.
"""
import math

import torch

def top_p_probs(logits, temperature, p):
    probs = torch.softmax(logits, dim=-1) ** (1.0 / temperature)
    sorted_probs, order = torch.sort(probs, dim=-1, descending=True)
    above = torch.cumsum(sorted_probs, dim=-1) - sorted_probs
    keep = above < p
    kept = sorted_probs * keep
    kept = kept / kept.sum(dim=-1, keepdim=True)
    return torch.zeros_like(probs).scatter(-1, order, kept)
