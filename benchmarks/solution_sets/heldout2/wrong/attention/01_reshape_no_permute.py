"""MISTAKE: splits heads with reshape(N, num_heads, T, d_head) directly, without viewing (N, T, H, dh) and permuting
EXPECTED DIAGNOSIS: Heads are split wrongly: view as (N, T, H, d_head) then transpose to (N, H, T, d_head); a direct reshape mixes positions and features.
"""
import math

import torch


def multi_head_attention(x: torch.Tensor, w_q: torch.Tensor, w_k: torch.Tensor, w_v: torch.Tensor,
                         w_o: torch.Tensor, num_heads: int, causal: bool = False) -> torch.Tensor:
    N, T, d = x.shape
    d_head = d // num_heads

    def split(t):
        return t.reshape(N, num_heads, T, d_head)

    q, k, v = split(x @ w_q), split(x @ w_k), split(x @ w_v)
    scores = torch.matmul(q, k.transpose(-1, -2)) / math.sqrt(d_head)
    if causal:
        mask = torch.triu(torch.ones(T, T, dtype=torch.bool), diagonal=1)
        scores = scores.masked_fill(mask, float("-inf"))
    attn = scores.softmax(dim=-1)
    ctx = torch.matmul(attn, v)
    ctx = ctx.permute(0, 2, 1, 3).reshape(N, T, d)
    return ctx @ w_o
