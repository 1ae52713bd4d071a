"""Adversarial (s25): a temperature reading: 'sqrt' or 'times' names

MISTAKE: The temperature applied twice (logits / T / T).
"""

import math

import torch
from torch import nn

def top_k_probs(logits, temperature, k):
    z = logits / temperature / temperature
    kth = z.topk(k, dim=-1).values[..., -1:]
    z = z.masked_fill(z < kth, float("-inf"))
    return torch.softmax(z, dim=-1)
