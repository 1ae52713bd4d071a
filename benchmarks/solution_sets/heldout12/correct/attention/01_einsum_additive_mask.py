"""CORRECT attention: einsum for the projections and the per-head products, heads split with
view(N, T, H, dh) (no transpose needed with einsum), causal handled by an additive -inf upper-triangle mask,
scale 1/sqrt(d_head), heads merged in order, then @ w_o.
"""

import math

import torch


def multi_head_attention(x: torch.Tensor, w_q: torch.Tensor, w_k: torch.Tensor, w_v: torch.Tensor,
                         w_o: torch.Tensor, num_heads: int, causal: bool = False) -> torch.Tensor:
    N, T, d = x.shape
    dh = d // num_heads
    q = torch.einsum("ntd,de->nte", x, w_q).reshape(N, T, num_heads, dh)
    k = torch.einsum("ntd,de->nte", x, w_k).reshape(N, T, num_heads, dh)
    v = torch.einsum("ntd,de->nte", x, w_v).reshape(N, T, num_heads, dh)
    scores = torch.einsum("nqhe,nkhe->nhqk", q, k) / math.sqrt(dh)
    if causal:
        bias = torch.full((T, T), float("-inf"), dtype=x.dtype, device=x.device).triu(1)
        scores = scores + bias
    weights = scores.softmax(dim=-1)
    out = torch.einsum("nhqk,nkhe->nqhe", weights, v).reshape(N, T, d)
    return torch.einsum("nte,ef->ntf", out, w_o)
