"""CORRECT: writes this position's keys/values into the given cache in place, einsum attention over slots :index + 1, (N, d) tensors without a time axis."""

import math

import torch


def _ln(x):
    m = x.mean(-1, keepdim=True)
    c = x - m
    return c / torch.sqrt((c * c).mean(-1, keepdim=True) + 1e-5)


def _gelu(x):
    return 0.5 * x * (1 + torch.tanh(math.sqrt(2 / math.pi) * (x + 0.044715 * x ** 3)))


def causal_lm_step(token_ids: torch.Tensor, index: int, cache: torch.Tensor, w_emb: torch.Tensor,
                   pos_embed: torch.Tensor, blocks_weights: torch.Tensor,
                   num_heads: int) -> tuple[torch.Tensor, torch.Tensor]:
    """token_ids: (N,) at position `index` -> (logits (N, V), cache with position `index` written)."""
    N = token_ids.shape[0]
    d = w_emb.shape[1]
    H, dh = num_heads, d // num_heads
    x = w_emb[token_ids] + pos_embed[index]                       # (N, d)
    for i in range(blocks_weights.shape[0]):
        w_q, w_k, w_v, w_o, w1, w2 = blocks_weights[i]
        h = _ln(x)
        q = (h @ w_q).view(N, H, dh)
        cache[i, 0, :, :, index] = (h @ w_k).view(N, H, dh)
        cache[i, 1, :, :, index] = (h @ w_v).view(N, H, dh)
        K = cache[i, 0, :, :, :index + 1]                         # (N, H, t, dh)
        Vv = cache[i, 1, :, :, :index + 1]
        s = torch.einsum("nhe,nhte->nht", q, K) / math.sqrt(dh)
        a = torch.einsum("nht,nhte->nhe", torch.softmax(s, dim=-1), Vv).reshape(N, d)
        x = x + a @ w_o
        x = x + _gelu(_ln(x) @ w1) @ w2
    return _ln(x) @ w_emb.T, cache
