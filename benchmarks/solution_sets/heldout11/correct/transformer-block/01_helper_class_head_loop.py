"""CORRECT: one file with a helper class: var_mean(correction=0) layer norm, tanh-GELU in its sigmoid(2z) form,
attention looping over heads with einsum and a tril/where causal mask; the two pre-LN residual updates as specified.
"""

import math

import torch

class _Pieces:
    """Small helper bundling the three building blocks."""

    eps = 1e-5
    k = math.sqrt(2.0 / math.pi)

    @classmethod
    def norm(cls, x):
        var, mean = torch.var_mean(x, dim=-1, keepdim=True, correction=0)
        return (x - mean) * torch.rsqrt(var + cls.eps)

    @classmethod
    def act(cls, x):
        inner = cls.k * (x + 0.044715 * x * x * x)
        return x * torch.sigmoid(2.0 * inner)

    @staticmethod
    def attend(x, wq, wk, wv, wo, heads, causal):
        N, T, d = x.shape
        dh = d // heads
        q, k, v = x @ wq, x @ wk, x @ wv
        outs = []
        for h in range(heads):
            sl = slice(h * dh, (h + 1) * dh)
            s = torch.einsum("ntc,nsc->nts", q[..., sl], k[..., sl]) * (1.0 / math.sqrt(dh))
            if causal:
                keep = torch.tril(torch.ones(T, T, dtype=torch.bool))
                s = torch.where(keep, s, torch.full_like(s, float("-inf")))
            a = torch.softmax(s, dim=-1)
            outs.append(torch.einsum("nts,nsc->ntc", a, v[..., sl]))
        return torch.cat(outs, dim=-1) @ wo

    @classmethod
    def block(cls, x, w, heads, causal):
        x = x + cls.attend(cls.norm(x), w[0], w[1], w[2], w[3], heads, causal)
        return x + cls.act(cls.norm(x) @ w[4]) @ w[5]


def pre_ln_block(x: torch.Tensor, block_weights: torch.Tensor, num_heads: int, causal: bool = False) -> torch.Tensor:
    """x: (N, T, d); block_weights: (6, d, d) -> (N, T, d), same dtype as x."""
    return _Pieces.block(x, block_weights, num_heads, causal)
