"""Adversarial (s25): at T = 2, 2T = T ** 2: a 'temperature applied twice' reading would coincide

MISTAKE: The temperature divides the logits by 2 * T ('softer').
"""

import math

import torch
from torch import nn

def top_p_probs(logits, temperature, p):
    probs = torch.softmax(logits / (2 * temperature), dim=-1)
    sorted_p, order = probs.sort(dim=-1, descending=True)
    above = sorted_p.cumsum(dim=-1) - sorted_p
    keep_sorted = above < p
    keep = torch.zeros_like(keep_sorted).scatter(-1, order, keep_sorted)
    kept = probs * keep
    return kept / kept.sum(dim=-1, keepdim=True)
