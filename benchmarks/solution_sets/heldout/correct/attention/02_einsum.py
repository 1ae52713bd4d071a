"""CORRECT: einsum for projections and attention, additive -inf mask
"""
import math

import torch


def multi_head_attention(x: torch.Tensor, w_q: torch.Tensor, w_k: torch.Tensor, w_v: torch.Tensor,
                         w_o: torch.Tensor, num_heads: int, causal: bool = False) -> torch.Tensor:
    N, T, d = x.shape
    hd = d // num_heads
    q = torch.einsum("ntd,de->nte", x, w_q).reshape(N, T, num_heads, hd)
    k = torch.einsum("ntd,de->nte", x, w_k).reshape(N, T, num_heads, hd)
    v = torch.einsum("ntd,de->nte", x, w_v).reshape(N, T, num_heads, hd)
    scores = torch.einsum("nqhe,nkhe->nhqk", q, k) * (hd ** -0.5)
    if causal:
        bias = torch.zeros(T, T, dtype=x.dtype, device=x.device)
        bias = bias.masked_fill(torch.ones(T, T, dtype=torch.bool).tril().logical_not(), float("-inf"))
        scores = scores + bias
    attn = scores.softmax(dim=-1)
    ctx = torch.einsum("nhqk,nkhe->nqhe", attn, v).reshape(N, T, d)
    return torch.einsum("ntd,de->nte", ctx, w_o)
