"""Adversarial (s25): right with one head: the value-path reading with its hint

MISTAKE: Each head's output is projected with the first d_head rows of w_o (w_o[:dh]) and the heads summed.
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
    s = q @ k.transpose(-2, -1) / math.sqrt(dh)
    if causal:
        s = s.masked_fill(torch.ones(T, T, dtype=torch.bool).triu(1), float("-inf"))
    heads = torch.softmax(s, dim=-1) @ v                      # (N, H, T, dh)
    return sum(heads[:, h] @ w_o[:dh] for h in range(num_heads))
