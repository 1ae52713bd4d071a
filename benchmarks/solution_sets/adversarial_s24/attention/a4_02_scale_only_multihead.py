"""
MISTAKE: The scale is skipped when there is one head (an 'optimisation': if num_heads > 1).
"""
import math
import torch


def multi_head_attention(x, w_q, w_k, w_v, w_o, num_heads, causal=False):
    N, T, d = x.shape
    h = d // num_heads
    q, k, v = [(x @ w).view(N, T, num_heads, h).transpose(1, 2) for w in (w_q, w_k, w_v)]
    s = q @ k.transpose(-1, -2)
    if num_heads > 1:
        s = s / math.sqrt(h)
    if causal:
        s = s.masked_fill(torch.ones(T, T, dtype=torch.bool).triu(1), float("-inf"))
    return (s.softmax(-1) @ v).transpose(1, 2).reshape(N, T, d) @ w_o
