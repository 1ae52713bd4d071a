"""MISTAKE: attention in the block scales scores by 1/sqrt(d) instead of 1/sqrt(d_head)
EXPECTED DIAGNOSIS: Scale by sqrt(d_head), the per-head dimension; sqrt(d) is only right with one head.
"""
import math

import torch


def pre_ln_block(x: torch.Tensor, block_weights: torch.Tensor, num_heads: int, causal: bool = False) -> torch.Tensor:
    out_dtype = x.dtype
    x = x.double()
    W = block_weights.double()
    N, T, d = x.shape
    H = num_heads
    dh = d // H

    def ln(t):
        mu = t.mean(-1, keepdim=True)
        return (t - mu) / torch.sqrt(((t - mu) ** 2).mean(-1, keepdim=True) + 1e-5)

    h = ln(x)
    q = torch.einsum("ntd,de->nte", h, W[0]).reshape(N, T, H, dh)
    k = torch.einsum("ntd,de->nte", h, W[1]).reshape(N, T, H, dh)
    v = torch.einsum("ntd,de->nte", h, W[2]).reshape(N, T, H, dh)
    s = torch.einsum("nihe,njhe->nhij", q, k) / math.sqrt(d)
    if causal:
        s = s.masked_fill(torch.triu(torch.ones(T, T, dtype=torch.bool), 1), torch.finfo(s.dtype).min)
    s = s - s.max(dim=-1, keepdim=True).values
    p = s.exp()
    p = p / p.sum(dim=-1, keepdim=True)
    ctx = torch.einsum("nhij,njhe->nihe", p, v).reshape(N, T, d)
    x = x + ctx @ W[3]
    u = ln(x) @ W[4]
    u = 0.5 * u * (1 + torch.tanh(math.sqrt(2 / math.pi) * (u + 0.044715 * u ** 3)))
    x = x + u @ W[5]
    return x.to(out_dtype)
