"""Adversarial (s25): a float64 case off by float32's size: the precision readings (sqrt(4) = 2 is exact in float32)

MISTAKE: The scale is a float32 tensor: torch.sqrt(torch.tensor(dh, dtype=torch.float32)), so float64 scores are divided by a float32-rounded number.
"""

import math

import torch
from torch import nn

def multi_head_attention(x, w_q, w_k, w_v, w_o, num_heads, causal=False):
    N, T, d = x.shape
    dh = d // num_heads
    q = (x @ w_q).view(N, T, num_heads, dh).transpose(1, 2)
    k = (x @ w_k).view(N, T, num_heads, dh).transpose(1, 2)
    v = (x @ w_v).view(N, T, num_heads, dh).transpose(1, 2)
    s = q @ k.transpose(-2, -1) / torch.sqrt(torch.tensor(float(dh)))
    if causal:
        s = s.masked_fill(torch.ones(T, T, dtype=torch.bool).triu(1), float("-inf"))
    a = torch.softmax(s, dim=-1)
    return (a @ v).transpose(1, 2).reshape(N, T, d) @ w_o
