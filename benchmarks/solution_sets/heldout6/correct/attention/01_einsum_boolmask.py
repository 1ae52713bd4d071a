"""
CORRECT: All-einsum formulation with the head axis kept as a separate index (view to (N, T, h, c)), boolean tril mask via masked_fill before softmax, merge by reshape of (N, T, h, c).
"""

import math

import torch


def multi_head_attention(x: torch.Tensor, w_q: torch.Tensor, w_k: torch.Tensor, w_v: torch.Tensor,
                         w_o: torch.Tensor, num_heads: int, causal: bool = False) -> torch.Tensor:
    """x: (N, T, d); w_q, w_k, w_v, w_o: (d, d) -> (N, T, d), same dtype as x."""
    N, T, d = x.shape
    c = d // num_heads
    q = torch.einsum("ntd,de->nte", x, w_q).view(N, T, num_heads, c)
    k = torch.einsum("ntd,de->nte", x, w_k).view(N, T, num_heads, c)
    v = torch.einsum("ntd,de->nte", x, w_v).view(N, T, num_heads, c)
    s = torch.einsum("nihc,njhc->nhij", q, k) / math.sqrt(c)
    if causal:
        allowed = torch.ones(T, T, dtype=torch.bool, device=x.device).tril()
        s = s.masked_fill(~allowed, float("-inf"))
    a = torch.softmax(s, dim=-1)
    o = torch.einsum("nhij,njhc->nihc", a, v).reshape(N, T, d)
    return o @ w_o
