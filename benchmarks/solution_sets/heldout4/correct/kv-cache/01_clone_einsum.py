"""
CORRECT: Clones the cache and writes the new position into the copy, einsum attention over the slice :index + 1, all on (N, d) rows without a time axis.
"""
import math

import torch


def _ln(x, eps=1e-5):
    mu = x.mean(-1, keepdim=True)
    var = (x - mu).pow(2).mean(-1, keepdim=True)
    return (x - mu) / torch.sqrt(var + eps)


def _gelu(x):
    return 0.5 * x * (1.0 + torch.tanh(math.sqrt(2.0 / math.pi) * (x + 0.044715 * x ** 3)))


def causal_lm_step(token_ids: torch.Tensor, index: int, cache: torch.Tensor, w_emb: torch.Tensor,
                   pos_embed: torch.Tensor, blocks_weights: torch.Tensor,
                   num_heads: int) -> tuple[torch.Tensor, torch.Tensor]:
    """token_ids: (N,) int64 at position `index` -> (logits (N, V), cache)."""
    new_cache = cache.clone()
    N = token_ids.shape[0]
    d = w_emb.shape[1]
    e = d // num_heads
    x = w_emb[token_ids] + pos_embed[index]
    for b in range(blocks_weights.shape[0]):
        W = blocks_weights[b]
        h = _ln(x)
        q = (h @ W[0]).view(N, num_heads, e)
        new_cache[b, 0, :, :, index] = (h @ W[1]).view(N, num_heads, e)
        new_cache[b, 1, :, :, index] = (h @ W[2]).view(N, num_heads, e)
        K = new_cache[b, 0, :, :, : index + 1]
        V = new_cache[b, 1, :, :, : index + 1]
        a = torch.softmax(torch.einsum("nhe,nhte->nht", q, K) / math.sqrt(e), dim=-1)
        o = torch.einsum("nht,nhte->nhe", a, V).reshape(N, d)
        x = x + o @ W[3]
        x = x + _gelu(_ln(x) @ W[4]) @ W[5]
    return _ln(x) @ w_emb.T, new_cache
