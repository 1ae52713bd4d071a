"""CORRECT: functional variant: clones the cache and returns the clone (the caller's cache is left
untouched), writes position index with index_copy_, and attends over ALL max_len slots with einsum,
hiding slots > index with -inf before the softmax (allowed by the FLOP budget: still one projected
token). Logits from ln_f and the tied head, shape (N, V).
"""

import math

import torch


def layer_norm(x: torch.Tensor, eps: float = 1e-5) -> torch.Tensor:
    mean = x.mean(dim=-1, keepdim=True)
    var = ((x - mean) ** 2).mean(dim=-1, keepdim=True)
    return (x - mean) / torch.sqrt(var + eps)


def gelu(x: torch.Tensor) -> torch.Tensor:
    return 0.5 * x * (1.0 + torch.tanh(math.sqrt(2.0 / math.pi) * (x + 0.044715 * x ** 3)))


def causal_lm_step(token_ids: torch.Tensor, index: int, cache: torch.Tensor, w_emb: torch.Tensor,
                   pos_embed: torch.Tensor, blocks_weights: torch.Tensor,
                   num_heads: int) -> tuple[torch.Tensor, torch.Tensor]:
    """token_ids: (N,) int64 at position `index` -> (logits (N, V), cache with position `index` written)."""
    N = token_ids.shape[0]
    V, d = w_emb.shape
    H = num_heads
    dh = d // H
    new_cache = cache.clone()
    max_len = cache.shape[4]
    hidden_slots = torch.arange(max_len) > index                      # (max_len,)
    slot = torch.tensor([index])
    x = w_emb[token_ids] + pos_embed[index]                            # (N, d)
    for i, (w_q, w_k, w_v, w_o, w_1, w_2) in enumerate(blocks_weights):
        h = layer_norm(x)
        q = (h @ w_q).reshape(N, H, dh)
        k = (h @ w_k).reshape(N, H, 1, dh)
        v = (h @ w_v).reshape(N, H, 1, dh)
        new_cache[i, 0].index_copy_(2, slot, k)
        new_cache[i, 1].index_copy_(2, slot, v)
        s = torch.einsum("nhc,nhtc->nht", q, new_cache[i, 0]) / math.sqrt(dh)
        s = s.masked_fill(hidden_slots, float("-inf"))
        a = torch.einsum("nht,nhtc->nhc", torch.softmax(s, dim=-1), new_cache[i, 1])
        x = x + a.reshape(N, d) @ w_o
        x = x + gelu(layer_norm(x) @ w_1) @ w_2
    return layer_norm(x) @ w_emb.T, new_cache
