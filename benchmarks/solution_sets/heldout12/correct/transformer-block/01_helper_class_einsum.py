"""CORRECT transformer-block: a small helper class holding the six unpacked weights, layer norm via
var_mean(correction=0), tanh GELU via sigmoid(2z), einsum attention with contiguous head columns and scale
1/sqrt(d_head), pre-LN with two residual adds (MLP LN taken afresh), dtype kept.
"""

import math

import torch


class _Block:
    def __init__(self, block_weights, num_heads):
        self.w_q, self.w_k, self.w_v, self.w_o, self.w1, self.w2 = block_weights.unbind(0)
        self.h = num_heads

    @staticmethod
    def ln(x):
        var, mean = torch.var_mean(x, dim=-1, keepdim=True, correction=0)
        return (x - mean) / torch.sqrt(var + 1e-5)

    @staticmethod
    def gelu(x):
        return x * torch.sigmoid(2.0 * math.sqrt(2.0 / math.pi) * (x + 0.044715 * x.pow(3)))

    def attn(self, x, causal):
        N, T, d = x.shape
        dh = d // self.h
        q = (x @ self.w_q).reshape(N, T, self.h, dh)
        k = (x @ self.w_k).reshape(N, T, self.h, dh)
        v = (x @ self.w_v).reshape(N, T, self.h, dh)
        s = torch.einsum("nihe,njhe->nhij", q, k) / math.sqrt(dh)
        if causal:
            s = s.masked_fill(torch.ones(T, T, dtype=torch.bool).triu(1), float("-inf"))
        a = torch.einsum("nhij,njhe->nihe", s.softmax(-1), v).reshape(N, T, d)
        return a @ self.w_o

    def __call__(self, x, causal):
        x = x + self.attn(self.ln(x), causal)
        return x + self.gelu(self.ln(x) @ self.w1) @ self.w2


def pre_ln_block(x: torch.Tensor, block_weights: torch.Tensor, num_heads: int, causal: bool = False) -> torch.Tensor:
    return _Block(block_weights, num_heads)(x, causal)
