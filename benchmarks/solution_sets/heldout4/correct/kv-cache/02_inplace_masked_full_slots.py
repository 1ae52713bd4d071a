"""
CORRECT: Writes into the given cache in place and attends over all max_len slots with a -inf mask on slots > index (still O(1) projections per step), working in float64 internally and casting back.
"""
import math

import torch


def _ln(x, eps=1e-5):
    var, mean = torch.var_mean(x, dim=-1, keepdim=True, correction=0)
    return (x - mean) * torch.rsqrt(var + eps)


def _gelu(x):
    return x * torch.sigmoid(2.0 * math.sqrt(2.0 / math.pi) * (x + 0.044715 * x ** 3))


def causal_lm_step(token_ids: torch.Tensor, index: int, cache: torch.Tensor, w_emb: torch.Tensor,
                   pos_embed: torch.Tensor, blocks_weights: torch.Tensor,
                   num_heads: int) -> tuple[torch.Tensor, torch.Tensor]:
    """token_ids: (N,) int64 at position `index` -> (logits (N, V), cache)."""
    dt = w_emb.dtype
    N = token_ids.shape[0]
    d = w_emb.shape[1]
    dh = d // num_heads
    max_len = cache.shape[4]
    E = w_emb.double()
    x = (E[token_ids] + pos_embed[index].double()).unsqueeze(1)          # (N, 1, d)
    hidden = torch.arange(max_len) > index                                # slots not yet written
    for i in range(blocks_weights.shape[0]):
        W = blocks_weights[i].double()
        h = _ln(x)
        q = (h @ W[0]).view(N, 1, num_heads, dh).transpose(1, 2)           # (N, nh, 1, dh)
        k = (h @ W[1]).view(N, 1, num_heads, dh).transpose(1, 2)
        v = (h @ W[2]).view(N, 1, num_heads, dh).transpose(1, 2)
        cache[i, 0, :, :, index] = k[:, :, 0].to(cache.dtype)
        cache[i, 1, :, :, index] = v[:, :, 0].to(cache.dtype)
        K = cache[i, 0].double()                                           # (N, nh, max_len, dh)
        V = cache[i, 1].double()
        s = (q @ K.transpose(-1, -2)) / math.sqrt(dh)                      # (N, nh, 1, max_len)
        s = s.masked_fill(hidden, float("-inf"))
        o = (torch.softmax(s, dim=-1) @ V).transpose(1, 2).reshape(N, 1, d)
        x = x + o @ W[3]
        x = x + _gelu(_ln(x) @ W[4]) @ W[5]
    logits = (_ln(x) @ E.T)[:, 0]
    return logits.to(dt), cache
