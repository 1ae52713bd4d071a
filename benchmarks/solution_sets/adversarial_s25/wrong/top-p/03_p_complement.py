"""Adversarial (s25): at p = 0.5 it is right: a count reading

MISTAKE: Keeps tokens while the mass above is < 1 - p.
"""

import math

import torch
from torch import nn

def top_p_probs(logits, temperature, p):
    probs = torch.softmax(logits / temperature, dim=-1)
    sorted_p, order = probs.sort(dim=-1, descending=True)
    above = sorted_p.cumsum(dim=-1) - sorted_p
    keep_sorted = above < 1 - p
    keep = torch.zeros_like(keep_sorted).scatter(-1, order, keep_sorted)
    kept = probs * keep
    return kept / kept.sum(dim=-1, keepdim=True)
