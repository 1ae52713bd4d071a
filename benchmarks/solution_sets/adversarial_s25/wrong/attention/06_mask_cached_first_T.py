"""Adversarial (s25): state between calls: the mask depends on which case ran first

MISTAKE: The causal mask is built once (module-level cache) at the first causal call's T*2 and sliced [:T, :T]; a longer T later gets a too-small mask.
"""

import math

import torch
from torch import nn

_MASK = None

def multi_head_attention(x, w_q, w_k, w_v, w_o, num_heads, causal=False):
    global _MASK
    N, T, d = x.shape
    dh = d // num_heads
    q = (x @ w_q).view(N, T, num_heads, dh).transpose(1, 2)
    k = (x @ w_k).view(N, T, num_heads, dh).transpose(1, 2)
    v = (x @ w_v).view(N, T, num_heads, dh).transpose(1, 2)
    s = q @ k.transpose(-2, -1) / math.sqrt(dh)
    if causal:
        if _MASK is None:
            _MASK = torch.ones(2 * T, 2 * T, dtype=torch.bool).triu(1)
        m = _MASK[:T, :T]
        if m.shape[0] < T:
            m = torch.zeros(T, T, dtype=torch.bool)  # 'fallback': no mask
        s = s.masked_fill(m, float("-inf"))
    a = torch.softmax(s, dim=-1)
    return (a @ v).transpose(1, 2).reshape(N, T, d) @ w_o
