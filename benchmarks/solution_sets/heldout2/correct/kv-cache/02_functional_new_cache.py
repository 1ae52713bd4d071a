"""CORRECT (functional, out-of-place index_copy into a new cache, broadcast-multiply attention with a hand softmax).
"""
import math

import torch


def _ln(x):
    m = x.mean(-1, keepdim=True)
    c = x - m
    return c * torch.rsqrt(c.pow(2).mean(-1, keepdim=True) + 1e-5)


def _gelu(x):
    return 0.5 * x * (1 + torch.tanh(math.sqrt(2 / math.pi) * (x + 0.044715 * x.pow(3))))


def causal_lm_step(token_ids: torch.Tensor, index: int, cache: torch.Tensor, w_emb: torch.Tensor,
                   pos_embed: torch.Tensor, blocks_weights: torch.Tensor,
                   num_heads: int) -> tuple[torch.Tensor, torch.Tensor]:
    N = token_ids.size(0)
    d = w_emb.size(1)
    H = num_heads
    dh = d // H
    x = w_emb.index_select(0, token_ids) + pos_embed[index].unsqueeze(0)
    per_block = []
    for b in range(blocks_weights.size(0)):
        wq, wk, wv, wo, w1, w2 = blocks_weights[b].unbind(0)
        h = _ln(x)
        kv_new = torch.stack([(h @ wk).view(N, H, dh), (h @ wv).view(N, H, dh)])   # (2, N, H, dh)
        pos = torch.tensor([index])
        layer = cache[b].index_copy(3, pos, kv_new.unsqueeze(3))                     # out of place
        per_block.append(layer)
        keys, vals = layer[0, :, :, : index + 1], layer[1, :, :, : index + 1]
        q = (h @ wq).view(N, H, dh)
        s = (keys * q.unsqueeze(2)).sum(-1) / math.sqrt(dh)                         # (N, H, t)
        p = torch.exp(s - s.amax(-1, keepdim=True))
        p = p / p.sum(-1, keepdim=True)
        a = (p.unsqueeze(-1) * vals).sum(2).reshape(N, d)
        x = x + a @ wo
        x = x + _gelu(_ln(x) @ w1) @ w2
    new_cache = torch.stack(per_block) if per_block else cache.clone()
    return _ln(x) @ w_emb.t(), new_cache
