"""
CORRECT: One function, computed in float64 with einsum and an additive -inf mask, cast back to x's dtype at the end.
"""

import math

import torch


def pre_ln_block(x: torch.Tensor, block_weights: torch.Tensor, num_heads: int, causal: bool = False) -> torch.Tensor:
    """x: (N, T, d); block_weights: (6, d, d) -> (N, T, d), same dtype as x."""
    out_dtype = x.dtype
    r = x.to(torch.float64)
    W = block_weights.to(torch.float64)
    N, T, d = r.shape
    H = num_heads
    dh = d // H

    def norm(t):
        c = t - t.mean(-1, keepdim=True)
        return c / torch.sqrt((c * c).mean(-1, keepdim=True) + 1e-5)

    h = norm(r)
    q = torch.einsum('ntd,de->nte', h, W[0]).reshape(N, T, H, dh)
    k = torch.einsum('ntd,de->nte', h, W[1]).reshape(N, T, H, dh)
    v = torch.einsum('ntd,de->nte', h, W[2]).reshape(N, T, H, dh)
    s = torch.einsum('nihc,njhc->nhij', q, k) / math.sqrt(dh)
    if causal:
        s = s + torch.triu(torch.full((T, T), float('-inf'), dtype=s.dtype), diagonal=1)
    p = torch.softmax(s, dim=-1)
    ctx = torch.einsum('nhij,njhc->nihc', p, v).reshape(N, T, d)
    r = r + ctx @ W[3]

    u = norm(r) @ W[4]
    u = 0.5 * u * (1 + torch.tanh(math.sqrt(2 / math.pi) * (u + 0.044715 * u ** 3)))
    r = r + u @ W[5]
    return r.to(out_dtype)
