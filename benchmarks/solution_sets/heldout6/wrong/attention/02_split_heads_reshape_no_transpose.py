"""
MISTAKE: Splits heads with q.reshape(N, num_heads, T, d_head) straight from (N, T, d) (and merges back with the mirror reshape), which mixes positions and heads instead of giving head h columns h*d_head:(h+1)*d_head.
EXPECTED DIAGNOSIS: Heads split without the transpose: use view(N, T, num_heads, d_head).transpose(1, 2); a bare reshape to (N, num_heads, T, d_head) scrambles positions across heads (only num_heads = 1 or T = 1 agree).
"""

import math

import torch


def multi_head_attention(x: torch.Tensor, w_q: torch.Tensor, w_k: torch.Tensor, w_v: torch.Tensor,
                         w_o: torch.Tensor, num_heads: int, causal: bool = False) -> torch.Tensor:
    """x: (N, T, d); w_q, w_k, w_v, w_o: (d, d) -> (N, T, d), same dtype as x."""
    N, T, d = x.shape
    dh = d // num_heads

    def split(t):
        return t.reshape(N, num_heads, T, dh)

    q, k, v = split(x @ w_q), split(x @ w_k), split(x @ w_v)
    att = torch.matmul(q, k.transpose(2, 3)) / math.sqrt(dh)
    if causal:
        future = torch.triu(torch.ones(T, T, dtype=torch.bool), diagonal=1)
        att = att.masked_fill(future, float("-inf"))
    att = att.softmax(dim=-1)
    y = torch.matmul(att, v).reshape(N, T, d)
    return y @ w_o
