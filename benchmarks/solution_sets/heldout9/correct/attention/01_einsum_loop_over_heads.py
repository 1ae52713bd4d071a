"""CORRECT: loops over heads with explicit column slices, einsum scores, a tril-based torch.where mask, and concatenates the heads before w_o."""

import math

import torch


def multi_head_attention(x: torch.Tensor, w_q: torch.Tensor, w_k: torch.Tensor, w_v: torch.Tensor,
                         w_o: torch.Tensor, num_heads: int, causal: bool = False) -> torch.Tensor:
    """x: (N, T, d); w_q, w_k, w_v, w_o: (d, d) -> (N, T, d), same dtype as x."""
    N, T, d = x.shape
    dh = d // num_heads
    q_all = torch.einsum("ntd,de->nte", x, w_q)
    k_all = torch.einsum("ntd,de->nte", x, w_k)
    v_all = torch.einsum("ntd,de->nte", x, w_v)
    allowed = torch.tril(torch.ones(T, T, dtype=torch.bool, device=x.device))
    heads = []
    for h in range(num_heads):
        cols = slice(h * dh, (h + 1) * dh)
        q, k, v = q_all[..., cols], k_all[..., cols], v_all[..., cols]
        s = torch.einsum("nie,nje->nij", q, k) / math.sqrt(dh)
        if causal:
            s = torch.where(allowed, s, torch.full_like(s, float("-inf")))
        w = torch.softmax(s, dim=-1)
        heads.append(torch.einsum("nij,nje->nie", w, v))
    return torch.cat(heads, dim=-1) @ w_o
