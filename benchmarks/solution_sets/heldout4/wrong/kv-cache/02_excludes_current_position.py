"""
MISTAKE: Reads the keys and values with the slice :index instead of :index + 1, so the new token does not attend to itself (and at index 0 the attention output is empty, i.e. zero).
EXPECTED DIAGNOSIS: Off by one in the cache read: the new token attends to positions 0..index including itself, so slice the cache with :index + 1 after writing position index.
"""
import math

import torch


def _ln(x, eps=1e-5):
    var, mean = torch.var_mean(x, dim=-1, keepdim=True, correction=0)
    return (x - mean) / torch.sqrt(var + eps)


def _gelu(x):
    return x * torch.sigmoid(2.0 * math.sqrt(2.0 / math.pi) * (x + 0.044715 * x ** 3))


def causal_lm_step(token_ids: torch.Tensor, index: int, cache: torch.Tensor, w_emb: torch.Tensor,
                   pos_embed: torch.Tensor, blocks_weights: torch.Tensor,
                   num_heads: int) -> tuple[torch.Tensor, torch.Tensor]:
    """token_ids: (N,) int64 at position `index` -> (logits (N, V), cache)."""
    N = token_ids.numel()
    d = w_emb.size(1)
    e = d // num_heads
    cache = cache.clone()
    x = w_emb[token_ids] + pos_embed[index]                       # (N, d)
    for b, W in enumerate(blocks_weights):
        h = _ln(x)
        q = (h @ W[0]).view(N, num_heads, e)
        k = (h @ W[1]).view(N, num_heads, e)
        v = (h @ W[2]).view(N, num_heads, e)
        cache[b, 0, :, :, index] = k
        cache[b, 1, :, :, index] = v
        K = cache[b, 0, :, :, :index]                             # (N, nh, index, e)
        Vv = cache[b, 1, :, :, :index]
        s = torch.einsum("nhe,nhte->nht", q, K) / math.sqrt(e)
        a = torch.softmax(s, dim=-1)
        o = torch.einsum("nht,nhte->nhe", a, Vv).reshape(N, d)
        x = x + o @ W[3]
        x = x + _gelu(_ln(x) @ W[4]) @ W[5]
    return _ln(x) @ w_emb.T, cache
