"""
CORRECT: Returns a new cache (clone, then write at `index`), einsum attention over the slice `:index + 1`, projections for the new token only.
"""

import math

import torch


def causal_lm_step(token_ids: torch.Tensor, index: int, cache: torch.Tensor, w_emb: torch.Tensor,
                   pos_embed: torch.Tensor, blocks_weights: torch.Tensor,
                   num_heads: int) -> tuple[torch.Tensor, torch.Tensor]:
    """token_ids: (N,) int64 at position `index` -> (logits (N, V), cache with position `index` written)."""
    out = cache.clone()
    N = token_ids.shape[0]
    d = w_emb.shape[1]
    H, dh = num_heads, d // num_heads

    def ln(t):
        m = t.mean(-1, keepdim=True)
        return (t - m) / torch.sqrt(((t - m) ** 2).mean(-1, keepdim=True) + 1e-5)

    def gelu(t):
        return 0.5 * t * (1 + torch.tanh(math.sqrt(2 / math.pi) * (t + 0.044715 * t ** 3)))

    x = w_emb[token_ids] + pos_embed[index]                     # (N, d)
    for i in range(blocks_weights.shape[0]):
        W = blocks_weights[i]
        h = ln(x)
        q = (h @ W[0]).view(N, H, dh)
        out[i, 0, :, :, index] = (h @ W[1]).view(N, H, dh)
        out[i, 1, :, :, index] = (h @ W[2]).view(N, H, dh)
        K = out[i, 0, :, :, :index + 1]                         # (N, H, L, dh)
        Vv = out[i, 1, :, :, :index + 1]
        a = torch.softmax(torch.einsum('nhe,nhle->nhl', q, K) / math.sqrt(dh), dim=-1)
        ctx = torch.einsum('nhl,nhle->nhe', a, Vv).reshape(N, d)
        x = x + ctx @ W[3]
        x = x + gelu(ln(x) @ W[4]) @ W[5]
    return ln(x) @ w_emb.T, out
