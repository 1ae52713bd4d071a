"""Adversarial (s25): catalogue control

MISTAKE: softmax over all tokens, then zero the others without renormalising.
"""

import math

import torch
from torch import nn

def top_k_probs(logits, temperature, k):
    p = torch.softmax(logits / temperature, dim=-1)
    kth = p.topk(k, dim=-1).values[..., -1:]
    return torch.where(p >= kth, p, torch.zeros_like(p))
