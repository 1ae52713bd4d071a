"""
MISTAKE: Builds the keep mask in sorted order but multiplies it onto the probabilities in vocabulary order without un-permuting it.
EXPECTED DIAGNOSIS: The mask you computed is indexed by rank, not by token. Scatter it back with the sort indices (or gather/scatter the probabilities) before applying it; as written it keeps the first tokens of the vocabulary.
"""
import math

import torch

def top_p_probs(logits, temperature, p):
    probs = torch.softmax(logits / temperature, dim=-1)
    sorted_probs, order = torch.sort(probs, dim=-1, descending=True)
    above = torch.cumsum(sorted_probs, dim=-1) - sorted_probs
    keep = above < p
    kept = probs * keep
    return kept / kept.sum(dim=-1, keepdim=True)
