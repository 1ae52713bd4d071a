"""Adversarial (s25): -inf cases only: a 'banned tokens' reading

MISTAKE: -inf logits replaced by 0 first ('to avoid NaN'): a banned token can be kept.
"""

import math

import torch
from torch import nn

def top_k_probs(logits, temperature, k):
    z = torch.nan_to_num(logits, neginf=0.0) / temperature
    kth = z.topk(k, dim=-1).values[..., -1:]
    z = z.masked_fill(z < kth, float("-inf"))
    return torch.softmax(z, dim=-1)
