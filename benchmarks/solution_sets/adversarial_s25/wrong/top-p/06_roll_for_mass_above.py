"""Adversarial (s25): the issue's class: 'positions confused with token ids?'

MISTAKE: The mass above each token is torch.roll(cumsum, 1) (the wrap puts the total mass first; the top token is not forced in).
"""

import math

import torch
from torch import nn

def top_p_probs(logits, temperature, p):
    probs = torch.softmax(logits / temperature, dim=-1)
    sorted_p, order = probs.sort(dim=-1, descending=True)
    above = torch.roll(sorted_p.cumsum(dim=-1), 1, dims=-1)
    keep_sorted = above < p
    keep = torch.zeros_like(keep_sorted).scatter(-1, order, keep_sorted)
    kept = probs * keep
    return kept / kept.sum(dim=-1, keepdim=True)
