"""Adversarial (s25): k = V is right; a count reading

MISTAKE: Keeps the k + 1 largest (kth taken at index k of the sorted values).
"""

import math

import torch
from torch import nn

def top_k_probs(logits, temperature, k):
    z = logits / temperature
    kth = z.sort(dim=-1, descending=True).values[..., min(k, z.shape[-1] - 1)].unsqueeze(-1)
    z = z.masked_fill(z < kth, float("-inf"))
    return torch.softmax(z, dim=-1)
