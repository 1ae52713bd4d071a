"""Adversarial (s25): 1-D case right; a row-mixing reading

MISTAKE: The k largest are taken over the whole tensor flattened (all rows together), then the softmax per row.
"""

import math

import torch
from torch import nn

def top_k_probs(logits, temperature, k):
    z = logits / temperature
    kth = z.flatten().topk(k).values[-1]
    z = z.masked_fill(z < kth, float("-inf"))
    return torch.softmax(z, dim=-1)
