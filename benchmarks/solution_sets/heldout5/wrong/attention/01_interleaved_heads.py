"""
MISTAKE: Heads are split with `view(N, T, d_head, num_heads)` and the last axis taken as the head, so head h owns the strided columns h, h+num_heads, ... instead of the contiguous block h*d_head:(h+1)*d_head (merged back with the matching inverse).
EXPECTED DIAGNOSIS: Wrong head split: the heads interleave columns; use `q.view(N, T, num_heads, d_head).transpose(1, 2)` so head h owns columns h*d_head:(h+1)*d_head (only num_heads = 1 or num_heads = d happen to agree).
"""

import math

import torch


def multi_head_attention(x: torch.Tensor, w_q: torch.Tensor, w_k: torch.Tensor, w_v: torch.Tensor,
                         w_o: torch.Tensor, num_heads: int, causal: bool = False) -> torch.Tensor:
    """x: (N, T, d); w_q, w_k, w_v, w_o: (d, d) -> (N, T, d), same dtype as x."""
    N, T, d = x.shape
    d_head = d // num_heads

    def split(t):
        # (N, T, d) -> (N, H, T, d_head)
        return t.view(N, T, d_head, num_heads).permute(0, 3, 1, 2)

    q, k, v = split(x @ w_q), split(x @ w_k), split(x @ w_v)
    scores = torch.matmul(q, k.transpose(-2, -1)) / math.sqrt(d_head)
    if causal:
        future = torch.triu(torch.ones(T, T, dtype=torch.bool, device=x.device), diagonal=1)
        scores = scores.masked_fill(future, float("-inf"))
    attn = torch.softmax(scores, dim=-1)
    out = torch.matmul(attn, v)                       # (N, H, T, d_head)
    out = out.permute(0, 2, 3, 1).reshape(N, T, d)    # undo the split
    return out @ w_o
