"""CORRECT: float64 inside, var_mean layer norm, sigmoid-form GELU, per-head einsum loop with a triu mask, cast back to x's dtype."""

import math

import torch


def _ln(x):
    var, mean = torch.var_mean(x, dim=-1, correction=0, keepdim=True)
    return (x - mean) * torch.rsqrt(var + 1e-5)


def _gelu(x):
    return x * torch.sigmoid(2 * math.sqrt(2 / math.pi) * (x + 0.044715 * x.pow(3)))


def pre_ln_block(x: torch.Tensor, block_weights: torch.Tensor, num_heads: int, causal: bool = False) -> torch.Tensor:
    """x: (N, T, d); block_weights: (6, d, d) -> (N, T, d), same dtype as x."""
    bw = block_weights.double()
    r = x.double()
    N, T, d = r.shape
    dh = d // num_heads
    h = _ln(r)
    q = torch.einsum("ntd,de->nte", h, bw[0])
    k = torch.einsum("ntd,de->nte", h, bw[1])
    v = torch.einsum("ntd,de->nte", h, bw[2])
    future = torch.triu(torch.ones(T, T, dtype=torch.bool, device=x.device), diagonal=1)
    outs = []
    for i in range(num_heads):
        c = slice(i * dh, (i + 1) * dh)
        s = torch.einsum("nqe,nke->nqk", q[..., c], k[..., c]) / math.sqrt(dh)
        if causal:
            s = s.masked_fill(future, float("-inf"))
        outs.append(torch.einsum("nqk,nke->nqe", s.softmax(-1), v[..., c]))
    r = r + torch.cat(outs, -1) @ bw[3]
    r = r + _gelu(_ln(r) @ bw[4]) @ bw[5]
    return r.to(x.dtype)
