"""CORRECT: multi-head attention with einsum. Heads are split with view(N, T, H, d_head) (head h =
columns h*d_head:(h+1)*d_head), scores scaled by sqrt(d_head), causal mask via masked_fill(-inf) on
j > i before the softmax, and the output projection is applied per head with the matching row block of
w_o and summed (equivalent to concatenating the heads and multiplying by w_o)."""

import math

import torch


def multi_head_attention(x: torch.Tensor, w_q: torch.Tensor, w_k: torch.Tensor, w_v: torch.Tensor,
                         w_o: torch.Tensor, num_heads: int, causal: bool = False) -> torch.Tensor:
    """x: (N, T, d); w_q, w_k, w_v, w_o: (d, d) -> (N, T, d), same dtype as x."""
    N, T, d = x.shape
    dh = d // num_heads
    q = torch.einsum("ntd,de->nte", x, w_q).view(N, T, num_heads, dh)
    k = torch.einsum("ntd,de->nte", x, w_k).view(N, T, num_heads, dh)
    v = torch.einsum("ntd,de->nte", x, w_v).view(N, T, num_heads, dh)
    scores = torch.einsum("nihc,njhc->nhij", q, k) / math.sqrt(dh)
    if causal:
        future = torch.ones(T, T, dtype=torch.bool, device=x.device).triu(1)
        scores = scores.masked_fill(future, float("-inf"))
    weights = scores.softmax(dim=-1)
    heads = torch.einsum("nhij,njhc->nihc", weights, v)          # (N, T, H, dh)
    w_o_blocks = w_o.view(num_heads, dh, d)                       # row block h of w_o
    return torch.einsum("nihc,hcd->nid", heads, w_o_blocks)
