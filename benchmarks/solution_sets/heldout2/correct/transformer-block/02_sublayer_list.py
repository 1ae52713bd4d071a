"""CORRECT (list of sublayer lambdas applied in a residual loop, einsum attention).
"""
import math

import torch


def _ln(x):
    c = x - x.mean(-1, keepdim=True)
    return c / (c.square().mean(-1, keepdim=True) + 1e-5).sqrt()


def _gelu(x):
    return x * torch.sigmoid(2 * math.sqrt(2 / math.pi) * (x + 0.044715 * x ** 3))


def _mha(x, wq, wk, wv, wo, H, causal):
    N, T, d = x.shape
    dh = d // H
    q = torch.einsum("ntd,de->nte", x, wq).reshape(N, T, H, dh)
    k = torch.einsum("ntd,de->nte", x, wk).reshape(N, T, H, dh)
    v = torch.einsum("ntd,de->nte", x, wv).reshape(N, T, H, dh)
    s = torch.einsum("nqhc,nkhc->nhqk", q, k) / math.sqrt(dh)
    if causal:
        s = s.masked_fill(torch.tril(torch.ones(T, T, dtype=torch.bool)).logical_not(), -math.inf)
    o = torch.einsum("nhqk,nkhc->nqhc", s.softmax(-1), v).reshape(N, T, d)
    return o @ wo


def pre_ln_block(x: torch.Tensor, block_weights: torch.Tensor, num_heads: int, causal: bool = False) -> torch.Tensor:
    wq, wk, wv, wo, w1, w2 = (block_weights[i] for i in range(6))
    sublayers = [
        lambda h: _mha(h, wq, wk, wv, wo, num_heads, causal),
        lambda h: _gelu(h @ w1) @ w2,
    ]
    for f in sublayers:
        x = x + f(_ln(x))
    return x
