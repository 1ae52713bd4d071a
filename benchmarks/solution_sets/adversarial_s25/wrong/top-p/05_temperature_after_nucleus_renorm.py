"""Adversarial (s25): nucleus on the untempered distribution: s24's 'temperature after selection' neighbour

MISTAKE: Renormalises the kept probabilities then applies the temperature to them (p ** (1/T), renormalised).
"""

import math

import torch
from torch import nn

def top_p_probs(logits, temperature, p):
    probs = torch.softmax(logits, dim=-1)
    sorted_p, order = probs.sort(dim=-1, descending=True)
    above = sorted_p.cumsum(dim=-1) - sorted_p
    keep = torch.zeros_like(above < p).scatter(-1, order, above < p)
    kept = (probs * keep) ** (1.0 / temperature)
    return kept / kept.sum(dim=-1, keepdim=True)
