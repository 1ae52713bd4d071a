"""Adversarial (s25): control: a float32 computation (the proven reading)

MISTAKE: Computes probabilities in float32 for every input, casts back to the input dtype.
"""

import math

import torch
from torch import nn

def top_k_probs(logits, temperature, k):
    z = logits.float() / temperature
    kth = z.topk(k, dim=-1).values[..., -1:]
    z = z.masked_fill(z < kth, float("-inf"))
    return torch.softmax(z, dim=-1).to(logits.dtype)
