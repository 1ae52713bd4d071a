"""
MISTAKE: Heads split with view(N, H, T, dh) directly (no transpose), merged back with the inverse view.
"""
import math
import torch

def multi_head_attention(x, w_q, w_k, w_v, w_o, num_heads, causal=False):
    N, T, d = x.shape
    h = d // num_heads
    q, k, v = [(x @ w).reshape(N, num_heads, T, h) for w in (w_q, w_k, w_v)]
    s = q @ k.transpose(-1, -2) / math.sqrt(h)
    if causal:
        s = s.masked_fill(torch.ones(T, T, dtype=torch.bool).triu(1), float("-inf"))
    return (s.softmax(-1) @ v).reshape(N, T, d) @ w_o
