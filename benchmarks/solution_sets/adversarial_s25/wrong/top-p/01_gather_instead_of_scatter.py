"""Adversarial (s25): 'positions confused with token ids?' reading

MISTAKE: The keep mask goes back to vocabulary order with gather(order) instead of scatter (a permutation applied the wrong way).
"""

import math

import torch
from torch import nn

def top_p_probs(logits, temperature, p):
    probs = torch.softmax(logits / temperature, dim=-1)
    sorted_p, order = probs.sort(dim=-1, descending=True)
    above = sorted_p.cumsum(dim=-1) - sorted_p
    keep_sorted = above < p
    keep = keep_sorted.gather(-1, order)
    kept = probs * keep
    return kept / kept.sum(dim=-1, keepdim=True)
