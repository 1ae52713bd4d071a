"""
CORRECT: Writes the cache in place and attends over all max_len slots with the slots after `index` masked to -inf (allowed by the FLOP budget), keeping (N, 1, d) shapes throughout.
"""

import math

import torch


def _layer_norm(x, eps=1e-5):
    mu = x.mean(dim=-1, keepdim=True)
    var = x.var(dim=-1, keepdim=True, correction=0)
    return (x - mu) / torch.sqrt(var + eps)


def _gelu(x):
    return 0.5 * x * (1.0 + torch.tanh(math.sqrt(2.0 / math.pi) * (x + 0.044715 * torch.pow(x, 3))))


def causal_lm_step(token_ids: torch.Tensor, index: int, cache: torch.Tensor, w_emb: torch.Tensor,
                   pos_embed: torch.Tensor, blocks_weights: torch.Tensor,
                   num_heads: int) -> tuple[torch.Tensor, torch.Tensor]:
    """token_ids: (N,) int64 at position `index` -> (logits (N, V), cache with position `index` written)."""
    N = token_ids.shape[0]
    d = w_emb.shape[1]
    dh = d // num_heads
    max_len = cache.shape[4]
    future = (torch.arange(max_len, device=cache.device) > index).view(1, 1, 1, max_len)
    x = (w_emb[token_ids] + pos_embed[index]).unsqueeze(1)            # (N, 1, d)
    for i, (w_q, w_k, w_v, w_o, w1, w2) in enumerate(blocks_weights):
        h = _layer_norm(x)
        q = (h @ w_q).view(N, 1, num_heads, dh).transpose(1, 2)      # (N, H, 1, dh)
        cache[i, 0, :, :, index:index + 1] = (h @ w_k).view(N, 1, num_heads, dh).transpose(1, 2)
        cache[i, 1, :, :, index:index + 1] = (h @ w_v).view(N, 1, num_heads, dh).transpose(1, 2)
        s = q @ cache[i, 0].transpose(-1, -2) / math.sqrt(dh)          # (N, H, 1, max_len)
        s = s.masked_fill(future, float('-inf'))
        ctx = torch.softmax(s, dim=-1) @ cache[i, 1]                   # (N, H, 1, dh)
        x = x + ctx.transpose(1, 2).reshape(N, 1, d) @ w_o
        x = x + _gelu(_layer_norm(x) @ w1) @ w2
    logits = _layer_norm(x) @ w_emb.T
    return logits.squeeze(1), cache
