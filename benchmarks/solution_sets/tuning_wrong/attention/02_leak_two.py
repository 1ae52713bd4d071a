"""attention: a realistic wrong solution (tuning set).

MISTAKE: causal mask built with diagonal=1 in tril (sees the next token)
EXPECTED DIAGNOSIS: mask lets i see i+1
KEYWORDS: i + 1 | leaks the next token | sees the next token
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
        keep = torch.tril(torch.ones(T, T, dtype=torch.bool), diagonal=1)
        scores = scores.masked_fill(~keep, float("-inf"))
    att = torch.softmax(scores, dim=-1)
    out = (att @ v).transpose(1, 2).contiguous().view(N, T, d)
    return out @ w_o
