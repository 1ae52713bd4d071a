"""CORRECT (einsum throughout, heads kept in (N, T, H, dh) layout, torch.where mask).
"""
import math

import torch


def multi_head_attention(x: torch.Tensor, w_q: torch.Tensor, w_k: torch.Tensor, w_v: torch.Tensor,
                         w_o: torch.Tensor, num_heads: int, causal: bool = False) -> torch.Tensor:
    N, T, d = x.shape
    dh = d // num_heads
    q = torch.einsum("ntd,de->nte", x, w_q).unflatten(-1, (num_heads, dh))
    k = torch.einsum("ntd,de->nte", x, w_k).unflatten(-1, (num_heads, dh))
    v = torch.einsum("ntd,de->nte", x, w_v).unflatten(-1, (num_heads, dh))
    s = torch.einsum("nihc,njhc->nhij", q, k) * (dh ** -0.5)
    if causal:
        i = torch.arange(T).unsqueeze(1)
        j = torch.arange(T).unsqueeze(0)
        s = torch.where(j <= i, s, torch.full_like(s, -math.inf))
    p = torch.softmax(s, dim=3)
    o = torch.einsum("nhij,njhc->nihc", p, v).flatten(2)
    return torch.einsum("nte,ed->ntd", o, w_o)
