"""
MISTAKE: In the einsum formulation scores are laid out as 'nhqk' but the softmax is taken over dim=2 (the query axis) instead of the key axis (dim=-1).
EXPECTED DIAGNOSIS: Softmax over the wrong axis: each query's weights over the keys must sum to 1, so normalise over the last (key) axis, not the query axis.
"""
import math

import torch


def multi_head_attention(x: torch.Tensor, w_q: torch.Tensor, w_k: torch.Tensor, w_v: torch.Tensor,
                         w_o: torch.Tensor, num_heads: int, causal: bool = False) -> torch.Tensor:
    """x: (N, T, d); w_q, w_k, w_v, w_o: (d, d) -> (N, T, d), same dtype as x."""
    N, T, d = x.shape
    h = num_heads
    e = d // h
    q = torch.einsum("ntd,de->nte", x, w_q).reshape(N, T, h, e)
    k = torch.einsum("ntd,de->nte", x, w_k).reshape(N, T, h, e)
    v = torch.einsum("ntd,de->nte", x, w_v).reshape(N, T, h, e)
    s = torch.einsum("nqhe,nkhe->nhqk", q, k) / math.sqrt(e)
    if causal:
        keep = torch.tril(torch.ones(T, T, dtype=torch.bool))
        s = s.masked_fill(~keep, float("-inf"))
    a = torch.softmax(s, dim=2)
    o = torch.einsum("nhqk,nkhe->nqhe", a, v).reshape(N, T, d)
    return torch.einsum("ntd,de->nte", o, w_o)
