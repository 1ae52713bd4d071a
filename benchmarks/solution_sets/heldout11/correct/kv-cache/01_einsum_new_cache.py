"""CORRECT: does not touch the given cache: clones it, writes this token's keys/values at `index` in the clone, attends
with einsum over slots 0..index (per head, scale 1/sqrt(d_head)), helper-class LN/GELU, ln_f and tied head; returns
(logits, new cache). Only the new token is projected.
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


def causal_lm_step(token_ids: torch.Tensor, index: int, cache: torch.Tensor, w_emb: torch.Tensor,
                   pos_embed: torch.Tensor, blocks_weights: torch.Tensor,
                   num_heads: int) -> tuple[torch.Tensor, torch.Tensor]:
    """token_ids: (N,) int64 at position `index` -> (logits (N, V), cache with position `index` written)."""
    new_cache = cache.clone()
    N = token_ids.shape[0]
    d = w_emb.shape[1]
    H = num_heads
    dh = d // H
    x = w_emb[token_ids] + pos_embed[index]                           # (N, d)
    for i, w in enumerate(blocks_weights):
        h = _Pieces.norm(x)
        q = (h @ w[0]).reshape(N, H, dh)
        new_cache[i, 0, :, :, index] = (h @ w[1]).reshape(N, H, dh)
        new_cache[i, 1, :, :, index] = (h @ w[2]).reshape(N, H, dh)
        keys = new_cache[i, 0, :, :, :index + 1]                       # (N, H, t, dh)
        vals = new_cache[i, 1, :, :, :index + 1]
        s = torch.einsum("nhc,nhtc->nht", q, keys) / math.sqrt(dh)
        a = torch.softmax(s, dim=-1)
        ctx = torch.einsum("nht,nhtc->nhc", a, vals).reshape(N, d)
        x = x + ctx @ w[3]
        x = x + _Pieces.act(_Pieces.norm(x) @ w[4]) @ w[5]
    return _Pieces.norm(x) @ w_emb.T, new_cache
