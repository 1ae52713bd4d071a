"""
CORRECT: Builds the block from small private helpers with einsum attention and a sigmoid-form tanh GELU, all out of place.
"""
import math

import torch


def _ln(t, eps=1e-5):
    var, mean = torch.var_mean(t, dim=-1, unbiased=False, keepdim=True)
    return (t - mean) / torch.sqrt(var + eps)


def _gelu(t):
    return t * torch.sigmoid(2.0 * math.sqrt(2.0 / math.pi) * (t + 0.044715 * t.pow(3)))


def _mha(h, wq, wk, wv, wo, H, causal):
    N, T, d = h.shape
    dh = d // H
    q, k, v = (torch.einsum("ntd,de->nte", h, w).reshape(N, T, H, dh) for w in (wq, wk, wv))
    s = torch.einsum("nqhc,nkhc->nhqk", q, k) / math.sqrt(dh)
    if causal:
        s = s.masked_fill(torch.ones(T, T, dtype=torch.bool).triu(1), float("-inf"))
    o = torch.einsum("nhqk,nkhc->nqhc", s.softmax(-1), v).reshape(N, T, d)
    return o @ wo


def pre_ln_block(x: torch.Tensor, block_weights: torch.Tensor, num_heads: int, causal: bool = False) -> torch.Tensor:
    wq, wk, wv, wo, w1, w2 = (block_weights[i] for i in range(6))
    y = x + _mha(_ln(x), wq, wk, wv, wo, num_heads, causal)
    return y + _gelu(_ln(y) @ w1) @ w2
