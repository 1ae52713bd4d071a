"""
CORRECT: einsum throughout with a 4-D head view, an additive -inf upper-triangle mask, computed in float64 and cast back to x's dtype.
"""

import math

import torch


def multi_head_attention(x: torch.Tensor, w_q: torch.Tensor, w_k: torch.Tensor, w_v: torch.Tensor,
                         w_o: torch.Tensor, num_heads: int, causal: bool = False) -> torch.Tensor:
    """x: (N, T, d); w_q, w_k, w_v, w_o: (d, d) -> (N, T, d), same dtype as x."""
    dt = x.dtype
    X = x.double()
    N, T, d = X.shape
    H, dh = num_heads, d // num_heads
    q = torch.einsum('ntd,de->nte', X, w_q.double()).view(N, T, H, dh)
    k = torch.einsum('ntd,de->nte', X, w_k.double()).view(N, T, H, dh)
    v = torch.einsum('ntd,de->nte', X, w_v.double()).view(N, T, H, dh)
    s = torch.einsum('nqhe,nkhe->nhqk', q, k) / math.sqrt(dh)
    if causal:
        s = s + torch.full((T, T), float('-inf'), dtype=s.dtype, device=s.device).triu(1)
    a = torch.softmax(s, dim=-1)
    o = torch.einsum('nhqk,nkhe->nqhe', a, v).reshape(N, T, d)
    return (o @ w_o.double()).to(dt)
