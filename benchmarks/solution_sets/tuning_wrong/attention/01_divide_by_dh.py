"""attention: a realistic wrong solution (tuning set).

MISTAKE: divides scores by d_head, not sqrt(d_head)
EXPECTED DIAGNOSIS: scaled by d_head
KEYWORDS: d_head, not its square root | d_head instead of sqrt(d_head)
"""
import math
import torch


def multi_head_attention(x, w_q, w_k, w_v, w_o, num_heads, causal=False):
    N, T, d = x.shape
    dh = d // num_heads
    q = (x @ w_q).view(N, T, num_heads, dh).transpose(1, 2)
    k = (x @ w_k).view(N, T, num_heads, dh).transpose(1, 2)
    v = (x @ w_v).view(N, T, num_heads, dh).transpose(1, 2)
    scores = q @ k.transpose(-2, -1) / dh
    if causal:
        keep = torch.tril(torch.ones(T, T, dtype=torch.bool))
        scores = scores.masked_fill(~keep, float("-inf"))
    att = torch.softmax(scores, dim=-1)
    out = (att @ v).transpose(1, 2).contiguous().view(N, T, d)
    return out @ w_o
