"""Adversarial (s25): 'positions vs token ids' / 'sort order' readings

MISTAKE: The cumulative mass is taken in vocabulary order (sorting forgotten), top token forced in.
"""

import math

import torch
from torch import nn

def top_p_probs(logits, temperature, p):
    probs = torch.softmax(logits / temperature, dim=-1)
    above = probs.cumsum(dim=-1) - probs
    keep = above < p
    keep = keep | (probs == probs.max(dim=-1, keepdim=True).values)
    kept = probs * keep
    return kept / kept.sum(dim=-1, keepdim=True)
