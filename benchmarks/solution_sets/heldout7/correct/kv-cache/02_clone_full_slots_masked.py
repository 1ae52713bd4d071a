"""
CORRECT: Works on a clone of the cache, attends over all max_len slots with an einsum and a -inf mask on slots > index, and stays within the FLOP budget.
"""
import math

import torch


def _ln(t):
    var, mean = torch.var_mean(t, dim=-1, correction=0, keepdim=True)
    return (t - mean) * torch.rsqrt(var + 1e-5)


def _gelu(t):
    return t * torch.sigmoid(1.5957691216057308 * (t + 0.044715 * t * t * t))


def causal_lm_step(token_ids: torch.Tensor, index: int, cache: torch.Tensor, w_emb: torch.Tensor,
                   pos_embed: torch.Tensor, blocks_weights: torch.Tensor,
                   num_heads: int) -> tuple[torch.Tensor, torch.Tensor]:
    out_cache = cache.clone()
    N = token_ids.shape[0]
    d = w_emb.shape[-1]
    dh = d // num_heads
    max_len = cache.shape[-2]
    future = torch.arange(max_len) > index                              # slots not yet valid
    x = w_emb[token_ids] + pos_embed[index]                             # (N, d)
    for i, (wq, wk, wv, wo, w1, w2) in enumerate(blocks_weights):
        h = _ln(x)
        q = (h @ wq).view(N, num_heads, dh)
        out_cache[i, 0, :, :, index] = (h @ wk).view(N, num_heads, dh)
        out_cache[i, 1, :, :, index] = (h @ wv).view(N, num_heads, dh)
        s = torch.einsum("nhc,nhtc->nht", q, out_cache[i, 0]) / math.sqrt(dh)
        s = s.masked_fill(future, float("-inf"))
        a = torch.softmax(s, dim=-1)
        o = torch.einsum("nht,nhtc->nhc", a, out_cache[i, 1]).reshape(N, d)
        x = x + o @ wo
        x = x + _gelu(_ln(x) @ w1) @ w2
    return _ln(x) @ w_emb.T, out_cache
