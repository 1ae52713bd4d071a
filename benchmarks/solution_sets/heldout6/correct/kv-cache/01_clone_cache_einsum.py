"""
CORRECT: Returns a new cache (clone) with slot index written, einsum attention over cache[..., :index + 1] with heads as an explicit axis, logits via the tied head.
"""

import math

import torch


def causal_lm_step(token_ids: torch.Tensor, index: int, cache: torch.Tensor, w_emb: torch.Tensor,
                   pos_embed: torch.Tensor, blocks_weights: torch.Tensor,
                   num_heads: int) -> tuple[torch.Tensor, torch.Tensor]:
    """token_ids: (N,) int64 at position `index` -> (logits (N, V), cache with position `index` written)."""
    new_cache = cache.clone()
    N = token_ids.shape[0]
    d = w_emb.shape[1]
    c = d // num_heads

    def ln(t):
        mu = t.mean(-1, keepdim=True)
        return (t - mu) / torch.sqrt((t - mu).pow(2).mean(-1, keepdim=True) + 1e-5)

    def gelu(t):
        return 0.5 * t * (1.0 + torch.tanh(math.sqrt(2.0 / math.pi) * (t + 0.044715 * t ** 3)))

    x = w_emb[token_ids] + pos_embed[index]                 # (N, d)
    for i in range(blocks_weights.shape[0]):
        W = blocks_weights[i]
        h = ln(x)
        q = (h @ W[0]).view(N, num_heads, c)
        new_cache[i, 0, :, :, index] = (h @ W[1]).view(N, num_heads, c)
        new_cache[i, 1, :, :, index] = (h @ W[2]).view(N, num_heads, c)
        keys = new_cache[i, 0, :, :, : index + 1]           # (N, H, index+1, c)
        vals = new_cache[i, 1, :, :, : index + 1]
        p = torch.softmax(torch.einsum("nhc,nhtc->nht", q, keys) / math.sqrt(c), dim=-1)
        o = torch.einsum("nht,nhtc->nhc", p, vals).reshape(N, d)
        x = x + o @ W[3]
        x = x + gelu(ln(x) @ W[4]) @ W[5]
    return ln(x) @ w_emb.T, new_cache
