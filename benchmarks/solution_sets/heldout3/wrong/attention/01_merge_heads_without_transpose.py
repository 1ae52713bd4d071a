"""
MISTAKE: Merges the heads with out.reshape(N, T, d) straight from (N, num_heads, T, d_head), without transposing heads and time back first.
EXPECTED DIAGNOSIS: The split transposed (N,T,H,dh) -> (N,H,T,dh); merging must undo it: out.transpose(1, 2).reshape(N, T, d). Reshaping directly scrambles positions and heads (only num_heads = 1 or T = 1 survives).
"""
import math

import torch

def multi_head_attention(x, w_q, w_k, w_v, w_o, num_heads, causal=False):
    N, T, d = x.shape
    dh = d // num_heads
    q = (x @ w_q).view(N, T, num_heads, dh).transpose(1, 2)
    k = (x @ w_k).view(N, T, num_heads, dh).transpose(1, 2)
    v = (x @ w_v).view(N, T, num_heads, dh).transpose(1, 2)
    scores = q @ k.transpose(-2, -1) / math.sqrt(dh)
    if causal:
        allowed = torch.ones(T, T, dtype=torch.bool, device=x.device).tril()
        scores = scores.masked_fill(~allowed, float("-inf"))
    weights = torch.softmax(scores, dim=-1)
    out = (weights @ v).reshape(N, T, d)
    return out @ w_o
