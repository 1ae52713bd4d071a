"""
CORRECT: Uses a precomputed additive (0 / -inf) bias from `triu(diagonal=1)` shared across blocks, with ln_f and an einsum tied head.
"""
import math

import torch


def _ln(x):
    mu = x.mean(-1, keepdim=True)
    return (x - mu) / torch.sqrt(x.var(-1, unbiased=False, keepdim=True) + 1e-5)


def _gelu(x):
    return 0.5 * x * (1 + torch.tanh(0.7978845608028654 * (x + 0.044715 * x.pow(3))))


def causal_lm_forward(input_ids: torch.Tensor, w_emb: torch.Tensor, pos_embed: torch.Tensor,
                      blocks_weights: torch.Tensor, num_heads: int) -> torch.Tensor:
    N, T = input_ids.shape
    d = w_emb.shape[1]
    H = num_heads
    dh = d // H
    bias = torch.full((T, T), float("-inf"), dtype=w_emb.dtype).triu(1)   # 0 on/below diagonal
    x = w_emb[input_ids] + pos_embed[:T]
    for wq, wk, wv, wo, w1, w2 in blocks_weights:
        h = _ln(x)
        q = (h @ wq).view(N, T, H, dh).transpose(1, 2)
        k = (h @ wk).view(N, T, H, dh).transpose(1, 2)
        v = (h @ wv).view(N, T, H, dh).transpose(1, 2)
        a = torch.softmax(q @ k.transpose(-1, -2) / math.sqrt(dh) + bias, dim=-1)
        x = x + (a @ v).transpose(1, 2).reshape(N, T, d) @ wo
        x = x + _gelu(_ln(x) @ w1) @ w2
    return torch.einsum("ntd,vd->ntv", _ln(x), w_emb)
