"""
MISTAKE: The score einsum is written 'nhid,nhjd->nhji', producing scores laid out [key, query]; the softmax over the last axis then normalises over queries, and the causal tril mask and `weights @ v` are applied to that transposed table.
EXPECTED DIAGNOSIS: Softmax over the wrong axis (the queries): the scores must be [query i, key j] ('nhid,nhjd->nhij') so each query's weights over the keys sum to 1.
"""

import math

import torch


def multi_head_attention(x: torch.Tensor, w_q: torch.Tensor, w_k: torch.Tensor, w_v: torch.Tensor,
                         w_o: torch.Tensor, num_heads: int, causal: bool = False) -> torch.Tensor:
    """x: (N, T, d); w_q, w_k, w_v, w_o: (d, d) -> (N, T, d), same dtype as x."""
    N, T, d = x.shape
    dh = d // num_heads
    q = torch.einsum('ntd,de->nte', x, w_q).view(N, T, num_heads, dh)
    k = torch.einsum('ntd,de->nte', x, w_k).view(N, T, num_heads, dh)
    v = torch.einsum('ntd,de->nte', x, w_v).view(N, T, num_heads, dh)

    s = torch.einsum('nihd,njhd->nhji', q, k) / math.sqrt(dh)
    if causal:
        keep = torch.tril(torch.ones(T, T, device=x.device)).bool()
        s = s.masked_fill(~keep, float('-inf'))
    a = torch.softmax(s, dim=-1)
    o = torch.einsum('nhij,njhd->nihd', a, v).reshape(N, T, d)
    return torch.einsum('nte,ed->ntd', o, w_o)
