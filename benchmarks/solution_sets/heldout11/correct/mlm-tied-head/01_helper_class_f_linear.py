"""CORRECT: helper-class pieces (var_mean LN, sigmoid-form GELU, per-head einsum attention without mask); the masked
rows come from a boolean mask in row-major order and the tied head is F.linear(h, w_emb) = h @ w_emb.T.
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


def mlm_forward_tied(input_ids: torch.Tensor, w_emb: torch.Tensor, pos_embed: torch.Tensor,
                     blocks_weights: torch.Tensor, mask_indicator: torch.Tensor, num_heads: int) -> torch.Tensor:
    """input_ids (N, T) int64; w_emb (V, d); pos_embed (max_len, d); blocks_weights (num_blocks, 6, d, d);
    mask_indicator (N, T) of 0.0 / 1.0  ->  (M, V) logits at the masked positions."""
    T = input_ids.shape[1]
    x = w_emb[input_ids] + pos_embed[:T]
    for w in blocks_weights.unbind(0):
        x = _Pieces.block(x, w, num_heads, False)
    h = x[mask_indicator.bool()]
    return torch.nn.functional.linear(h, w_emb)
