"""
CORRECT: One function, everything in float64 with einsum (heads as an explicit index), additive causal mask, result cast back to x's dtype.
"""

import math

import torch


def pre_ln_block(x: torch.Tensor, block_weights: torch.Tensor, num_heads: int, causal: bool = False) -> torch.Tensor:
    """x: (N, T, d); block_weights: (6, d, d) -> (N, T, d), same dtype as x."""
    out_dtype = x.dtype
    h = x.to(torch.float64)
    W = block_weights.to(torch.float64)
    N, T, d = h.shape
    c = d // num_heads

    def ln(t):
        mu = t.mean(-1, keepdim=True)
        return (t - mu) / torch.sqrt((t - mu).square().mean(-1, keepdim=True) + 1e-5)

    a = ln(h)
    q = torch.einsum("ntd,de->nte", a, W[0]).reshape(N, T, num_heads, c)
    k = torch.einsum("ntd,de->nte", a, W[1]).reshape(N, T, num_heads, c)
    v = torch.einsum("ntd,de->nte", a, W[2]).reshape(N, T, num_heads, c)
    s = torch.einsum("nqhc,nkhc->nhqk", q, k) / math.sqrt(c)
    if causal:
        s = s + torch.full((T, T), float("-inf"), dtype=torch.float64).triu(1)
    p = torch.softmax(s, dim=-1)
    att = torch.einsum("nhqk,nkhc->nqhc", p, v).reshape(N, T, d)
    h = h + torch.einsum("nte,ef->ntf", att, W[3])

    m = ln(h) @ W[4]
    m = 0.5 * m * (1 + torch.tanh(math.sqrt(2 / math.pi) * (m + 0.044715 * m ** 3)))
    h = h + m @ W[5]
    return h.to(out_dtype)
