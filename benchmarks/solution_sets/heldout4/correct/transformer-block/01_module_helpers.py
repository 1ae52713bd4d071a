"""
CORRECT: Small nn.Module helpers (no parameters) for layer norm, GELU and attention, composed into the pre-LN block with einsum attention.
"""
import math

import torch
from torch import nn


class _LN(nn.Module):
    def __init__(self, eps=1e-5):
        super().__init__()
        self.eps = eps

    def forward(self, x):
        mu = x.mean(-1, keepdim=True)
        var = (x - mu).pow(2).mean(-1, keepdim=True)
        return (x - mu) / torch.sqrt(var + self.eps)


class _TanhGELU(nn.Module):
    def forward(self, x):
        return 0.5 * x * (1.0 + torch.tanh(math.sqrt(2.0 / math.pi) * (x + 0.044715 * x ** 3)))


class _Attn(nn.Module):
    def __init__(self, num_heads, causal):
        super().__init__()
        self.h = num_heads
        self.causal = causal

    def forward(self, x, wq, wk, wv, wo):
        N, T, d = x.shape
        e = d // self.h
        q = (x @ wq).view(N, T, self.h, e)
        k = (x @ wk).view(N, T, self.h, e)
        v = (x @ wv).view(N, T, self.h, e)
        s = torch.einsum("bqhe,bkhe->bhqk", q, k) / math.sqrt(e)
        if self.causal:
            s = s.masked_fill(~torch.ones(T, T, dtype=torch.bool).tril(), float("-inf"))
        o = torch.einsum("bhqk,bkhe->bqhe", s.softmax(-1), v).reshape(N, T, d)
        return o @ wo


def pre_ln_block(x: torch.Tensor, block_weights: torch.Tensor, num_heads: int, causal: bool = False) -> torch.Tensor:
    """x: (N, T, d); block_weights: (6, d, d) -> (N, T, d), same dtype as x."""
    ln, act, attn = _LN(), _TanhGELU(), _Attn(num_heads, causal)
    w_q, w_k, w_v, w_o, w_mlp1, w_mlp2 = block_weights
    x = x + attn(ln(x), w_q, w_k, w_v, w_o)
    x = x + act(ln(x) @ w_mlp1) @ w_mlp2
    return x
