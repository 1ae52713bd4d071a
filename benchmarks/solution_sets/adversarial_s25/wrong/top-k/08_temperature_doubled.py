"""Adversarial (s25): at T = 2, 2T = T ** 2 = 4: the property reads 'applied twice'

MISTAKE: The logits are divided by 2 * T ('softer').
"""

import math

import torch
from torch import nn

def top_k_probs(logits, temperature, k):
    z = logits / (2 * temperature)
    kth = z.topk(k, dim=-1).values[..., -1:]
    z = z.masked_fill(z < kth, float("-inf"))
    return torch.softmax(z, dim=-1)
