"""attention: a realistic wrong solution (tuning set).

MISTAKE: splits heads with view(N, num_heads, T, dh) (no transpose) for q, k and v
EXPECTED DIAGNOSIS: heads split wrongly
KEYWORDS: heads
"""
import math
import torch


def multi_head_attention(x, w_q, w_k, w_v, w_o, num_heads, causal=False):
    N, T, d = x.shape
    dh = d // num_heads
    q = (x @ w_q).view(N, num_heads, T, dh)
    k = (x @ w_k).view(N, num_heads, T, dh)
    v = (x @ w_v).view(N, num_heads, T, dh)
    scores = q @ k.transpose(-2, -1) / math.sqrt(dh)
    if causal:
        keep = torch.tril(torch.ones(T, T, dtype=torch.bool))
        scores = scores.masked_fill(~keep, float("-inf"))
    att = torch.softmax(scores, dim=-1)
    out = (att @ v).transpose(1, 2).contiguous().view(N, T, d)
    return out @ w_o
