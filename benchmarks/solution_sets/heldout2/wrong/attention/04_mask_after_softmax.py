"""MISTAKE: applies the causal mask after the softmax (zeroing future weights without renormalising)
EXPECTED DIAGNOSIS: Mask the scores with -inf before the softmax; zeroing afterwards leaves rows that no longer sum to 1.
"""
import math

import torch


def multi_head_attention(x: torch.Tensor, w_q: torch.Tensor, w_k: torch.Tensor, w_v: torch.Tensor,
                         w_o: torch.Tensor, num_heads: int, causal: bool = False) -> torch.Tensor:
    N, T, d = x.shape
    d_head = d // num_heads

    def split(t):
        return t.view(N, T, num_heads, d_head).permute(0, 2, 1, 3)

    q, k, v = split(x @ w_q), split(x @ w_k), split(x @ w_v)
    scores = torch.matmul(q, k.transpose(-1, -2)) / math.sqrt(d_head)
    if causal:
        mask = torch.triu(torch.ones(T, T, dtype=torch.bool), diagonal=1)
        attn = scores.softmax(dim=-1).masked_fill(mask, 0.0)
    else:
        attn = scores.softmax(dim=-1)
    ctx = torch.matmul(attn, v)
    ctx = ctx.permute(0, 2, 1, 3).reshape(N, T, d)
    return ctx @ w_o
