"""
MISTAKE: Stores values in cache[i, 0] and keys in cache[i, 1] (and reads them back the same swapped way), so its own decode gives right logits but the returned cache has keys/values in each other's slot, and a cache filled by another implementation is read wrongly.
EXPECTED DIAGNOSIS: Cache layout is wrong: cache[i, 0] must hold keys and cache[i, 1] values; yours are swapped (self-consistent, so only the cache contents and externally filled caches reveal it).
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
        q = (h @ wq).reshape(N, H, dh)
        new_cache[i, 1, :, :, index, :] = (h @ wk).reshape(N, H, dh)
        new_cache[i, 0, :, :, index, :] = (h @ wv).reshape(N, H, dh)
        keys = new_cache[i, 1, :, :, : index + 1, :]   # (N, H, L, dh)
        vals = new_cache[i, 0, :, :, : index + 1, :]
        s = torch.einsum("nhc,nhlc->nhl", q, keys) / math.sqrt(dh)
        a = torch.softmax(s, dim=-1)
        o = torch.einsum("nhl,nhlc->nhc", a, vals).reshape(N, d)
        x = x + o @ wo
        x = x + _gelu(_ln(x) @ w1) @ w2
    return _ln(x) @ w_emb.t(), new_cache
