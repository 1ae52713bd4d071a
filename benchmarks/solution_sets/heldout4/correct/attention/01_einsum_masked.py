"""
CORRECT: Pure einsum formulation with views (N, T, h, e), boolean tril mask with masked_fill before softmax over the key axis.
"""
import math

import torch


def multi_head_attention(x: torch.Tensor, w_q: torch.Tensor, w_k: torch.Tensor, w_v: torch.Tensor,
                         w_o: torch.Tensor, num_heads: int, causal: bool = False) -> torch.Tensor:
    """x: (N, T, d); w_q, w_k, w_v, w_o: (d, d) -> (N, T, d), same dtype as x."""
    N, T, d = x.shape
    e = d // num_heads
    q = torch.einsum("ntd,df->ntf", x, w_q).view(N, T, num_heads, e)
    k = torch.einsum("ntd,df->ntf", x, w_k).view(N, T, num_heads, e)
    v = torch.einsum("ntd,df->ntf", x, w_v).view(N, T, num_heads, e)
    s = torch.einsum("nqhe,nkhe->nhqk", q, k) / math.sqrt(e)
    if causal:
        ok = torch.ones(T, T, dtype=torch.bool, device=x.device).tril()
        s = s.masked_fill(~ok, float("-inf"))
    a = torch.softmax(s, dim=-1)
    o = torch.einsum("nhqk,nkhe->nqhe", a, v).reshape(N, T, d)
    return torch.einsum("ntf,fd->ntd", o, w_o)
