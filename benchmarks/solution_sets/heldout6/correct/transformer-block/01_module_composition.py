"""
CORRECT: nn.Module helper classes (LayerNorm-free-params, TanhGELU, MHA taking weights at call time) composed in a pre-LN block; the MLP normalises the updated stream afresh.
"""

import math

import torch
from torch import nn


class ParamFreeLN(nn.Module):
    def __init__(self, eps: float = 1e-5):
        super().__init__()
        self.eps = eps

    def forward(self, x):
        mean = x.mean(dim=-1, keepdim=True)
        var = (x - mean).pow(2).mean(dim=-1, keepdim=True)
        return (x - mean) / torch.sqrt(var + self.eps)


class TanhGELU(nn.Module):
    def forward(self, x):
        return 0.5 * x * (1.0 + torch.tanh(math.sqrt(2.0 / math.pi) * (x + 0.044715 * x.pow(3))))


class WeightlessMHA(nn.Module):
    def __init__(self, num_heads: int):
        super().__init__()
        self.h = num_heads

    def forward(self, x, w_q, w_k, w_v, w_o, causal):
        N, T, d = x.shape
        c = d // self.h
        q = (x @ w_q).view(N, T, self.h, c).transpose(1, 2)
        k = (x @ w_k).view(N, T, self.h, c).transpose(1, 2)
        v = (x @ w_v).view(N, T, self.h, c).transpose(1, 2)
        s = torch.matmul(q, k.transpose(-1, -2)) / math.sqrt(c)
        if causal:
            s = s.masked_fill(torch.ones(T, T, dtype=torch.bool, device=x.device).triu(1), float("-inf"))
        y = torch.matmul(torch.softmax(s, dim=-1), v)
        return y.transpose(1, 2).contiguous().view(N, T, d) @ w_o


def pre_ln_block(x: torch.Tensor, block_weights: torch.Tensor, num_heads: int, causal: bool = False) -> torch.Tensor:
    """x: (N, T, d); block_weights: (6, d, d) -> (N, T, d), same dtype as x."""
    ln, act, mha = ParamFreeLN(), TanhGELU(), WeightlessMHA(num_heads)
    w_q, w_k, w_v, w_o, w_mlp1, w_mlp2 = block_weights.unbind(0)
    attn_out = mha(ln(x), w_q, w_k, w_v, w_o, causal)
    x1 = x + attn_out
    mlp_out = act(ln(x1) @ w_mlp1) @ w_mlp2
    return x1 + mlp_out
