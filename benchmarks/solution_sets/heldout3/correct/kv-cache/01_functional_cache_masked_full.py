"""Correct: returns a NEW cache (index_copy along the position axis, input cache untouched), and attends
over all max_len slots with a -inf mask on slots > index (still within the FLOP budget)."""
import math

import torch


def _ln(x, eps=1e-5):
    m = x.mean(-1, keepdim=True)
    v = (x - m).square().mean(-1, keepdim=True)
    return (x - m) / torch.sqrt(v + eps)


def _gelu(x):
    return 0.5 * x * (1 + torch.tanh(math.sqrt(2 / math.pi) * (x + 0.044715 * x ** 3)))


def causal_lm_step(token_ids, index, cache, w_emb, pos_embed, blocks_weights, num_heads):
    N = token_ids.shape[0]
    d = w_emb.shape[1]
    H = num_heads
    dh = d // H
    L = cache.shape[4]
    pos = torch.tensor([index], device=cache.device)
    hidden_slot = torch.arange(L, device=cache.device) > index          # (L,)
    new_cache = cache
    x = w_emb[token_ids] + pos_embed[index]                             # (N, d)
    for i, (wq, wk, wv, wo, w1, w2) in enumerate(blocks_weights):
        h = _ln(x)
        q = (h @ wq).view(N, H, 1, dh)
        kv = torch.stack([(h @ wk).view(N, H, 1, dh), (h @ wv).view(N, H, 1, dh)])   # (2, N, H, 1, dh)
        layer = new_cache[i].index_copy(3, pos, kv)                                 # (2, N, H, L, dh)
        new_cache = torch.cat([new_cache[:i], layer.unsqueeze(0), new_cache[i + 1:]], dim=0)
        s = (q @ layer[0].transpose(-1, -2)) / math.sqrt(dh)                        # (N, H, 1, L)
        s = s.masked_fill(hidden_slot, float("-inf"))
        o = (torch.softmax(s, -1) @ layer[1]).reshape(N, d)
        x = x + o @ wo
        x = x + _gelu(_ln(x) @ w1) @ w2
    return _ln(x) @ w_emb.T, new_cache
