"""
MISTAKE: Splits q/k/v into heads as reshape(N, dh, H).transpose(1, 2), i.e. head h takes the strided columns h, h+H, ...; cache entries and per-head attention then use the wrong column groups (merge is done consistently).
EXPECTED DIAGNOSIS: Wrong head layout: head h must own columns h*d_head:(h+1)*d_head (reshape(N, H, d_head)); the cache holds interleaved columns and the attention is wrong.
"""

import math

import torch


def _ln(t, eps=1e-5):
    mu = t.mean(-1, keepdim=True)
    var = t.var(-1, unbiased=False, keepdim=True)
    return (t - mu) / torch.sqrt(var + eps)


def _gelu(t):
    return t * torch.sigmoid(2.0 * math.sqrt(2.0 / math.pi) * (t + 0.044715 * t ** 3))


def causal_lm_step(token_ids: torch.Tensor, index: int, cache: torch.Tensor, w_emb: torch.Tensor,
                   pos_embed: torch.Tensor, blocks_weights: torch.Tensor,
                   num_heads: int) -> tuple[torch.Tensor, torch.Tensor]:
    """token_ids: (N,) int64 at position `index` -> (logits (N, V), cache with position `index` written)."""
    new_cache = cache.clone()                          # leave the caller's cache alone
    N = token_ids.numel()
    V, d = w_emb.shape
    H = num_heads
    dh = d // H
    x = w_emb[token_ids] + pos_embed[index]           # (N, d): one row per sequence
    for i, bw in enumerate(blocks_weights):
        wq, wk, wv, wo, w1, w2 = bw.unbind(0)
        h = _ln(x)
        q = (h @ wq).reshape(N, dh, H).transpose(1, 2)
        new_cache[i, 0, :, :, index, :] = (h @ wk).reshape(N, dh, H).transpose(1, 2)
        new_cache[i, 1, :, :, index, :] = (h @ wv).reshape(N, dh, H).transpose(1, 2)
        keys = new_cache[i, 0, :, :, : index + 1, :]   # (N, H, L, dh)
        vals = new_cache[i, 1, :, :, : index + 1, :]
        s = torch.einsum("nhc,nhlc->nhl", q, keys) / math.sqrt(dh)
        a = torch.softmax(s, dim=-1)
        o = torch.einsum("nhl,nhlc->nhc", a, vals).transpose(1, 2).reshape(N, d)
        x = x + o @ wo
        x = x + _gelu(_ln(x) @ w1) @ w2
    return _ln(x) @ w_emb.t(), new_cache
