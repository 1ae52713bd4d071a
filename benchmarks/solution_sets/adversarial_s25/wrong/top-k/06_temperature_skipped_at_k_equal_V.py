"""Adversarial (s25): one case fails: a temperature reading from properties

MISTAKE: When k == V the temperature is skipped ('nothing to filter, plain softmax').
"""

import math

import torch
from torch import nn

def top_k_probs(logits, temperature, k):
    if k == logits.shape[-1]:
        return torch.softmax(logits, dim=-1)
    z = logits / temperature
    kth = z.topk(k, dim=-1).values[..., -1:]
    z = z.masked_fill(z < kth, float("-inf"))
    return torch.softmax(z, dim=-1)
