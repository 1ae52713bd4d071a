"""
MISTAKE: Takes the softmax over axis -2 (the query axis, NumPy-style axis=2 of (N, h, T, T)) instead of over the keys (last axis), so columns rather than rows sum to 1.
EXPECTED DIAGNOSIS: Softmax over the wrong axis: normalise over the keys (dim=-1) so each query's weights sum to 1 (only T = 1 agrees).
"""

import math

import torch


def multi_head_attention(x: torch.Tensor, w_q: torch.Tensor, w_k: torch.Tensor, w_v: torch.Tensor,
                         w_o: torch.Tensor, num_heads: int, causal: bool = False) -> torch.Tensor:
    """x: (N, T, d); w_q, w_k, w_v, w_o: (d, d) -> (N, T, d), same dtype as x."""
    N, T, d = x.shape
    d_head = d // num_heads
    q = torch.einsum("ntd,de->nte", x, w_q).reshape(N, T, num_heads, d_head)
    k = torch.einsum("ntd,de->nte", x, w_k).reshape(N, T, num_heads, d_head)
    v = torch.einsum("ntd,de->nte", x, w_v).reshape(N, T, num_heads, d_head)
    scores = torch.einsum("nihc,njhc->nhij", q, k) / math.sqrt(d_head)   # (N, h, T_q, T_k)
    if causal:
        keep = torch.tril(torch.ones(T, T, dtype=torch.bool))
        scores = scores.masked_fill(~keep, float("-inf"))
    weights = torch.softmax(scores, dim=2)
    out = torch.einsum("nhij,njhc->nihc", weights, v).reshape(N, T, d)
    return torch.einsum("nte,ef->ntf", out, w_o)
