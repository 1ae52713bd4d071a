"""
MISTAKE: Splits heads with q.reshape(N, num_heads, T, d_head) directly (no view(N, T, h, d_head).transpose), so each "head" mixes columns and positions; the merge uses the mirror reshape.
EXPECTED DIAGNOSIS: Head split is wrong: reshape (N, T, d) -> (N, h, T, d_head) reinterprets memory and mixes positions across heads; use view(N, T, h, d_head).transpose(1, 2) and undo it the same way.
"""
import math

import torch


def multi_head_attention(x: torch.Tensor, w_q: torch.Tensor, w_k: torch.Tensor, w_v: torch.Tensor,
                         w_o: torch.Tensor, num_heads: int, causal: bool = False) -> torch.Tensor:
    """x: (N, T, d); w_q, w_k, w_v, w_o: (d, d) -> (N, T, d), same dtype as x."""
    N, T, d = x.shape
    d_head = d // num_heads

    def split(t):
        return t.reshape(N, num_heads, T, d_head)

    q, k, v = split(x @ w_q), split(x @ w_k), split(x @ w_v)
    att = torch.matmul(q, k.transpose(2, 3)) / math.sqrt(d_head)
    if causal:
        future = torch.triu(torch.ones(T, T, dtype=torch.bool), diagonal=1)
        att = att.masked_fill(future, float("-inf"))
    att = att.softmax(dim=-1)
    y = torch.matmul(att, v).reshape(N, T, d)
    return y @ w_o
