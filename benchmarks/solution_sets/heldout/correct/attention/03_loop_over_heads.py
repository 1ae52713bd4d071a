"""CORRECT: explicit loop over heads with column slices and torch.cat
"""
import math

import torch


def multi_head_attention(x: torch.Tensor, w_q: torch.Tensor, w_k: torch.Tensor, w_v: torch.Tensor,
                         w_o: torch.Tensor, num_heads: int, causal: bool = False) -> torch.Tensor:
    T = x.shape[1]
    d = x.shape[-1]
    d_head = d // num_heads
    q_all, k_all, v_all = x @ w_q, x @ w_k, x @ w_v
    allowed = torch.tril(torch.ones(T, T, device=x.device)) > 0
    heads = []
    for h in range(num_heads):
        cols = slice(h * d_head, (h + 1) * d_head)
        q, k, v = q_all[..., cols], k_all[..., cols], v_all[..., cols]
        s = torch.matmul(q, k.transpose(1, 2)) / math.sqrt(d_head)
        if causal:
            s = torch.where(allowed, s, torch.full_like(s, float("-inf")))
        heads.append(torch.softmax(s, dim=2) @ v)
    return torch.cat(heads, dim=-1) @ w_o
