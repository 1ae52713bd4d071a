"""MISTAKE: writes the new keys/values at index - 1 (thinking slot 0 is 'before' position 0), attends over :index+1
EXPECTED DIAGNOSIS: Position index's keys/values belong at slot index; writing at index-1 overwrites the previous token (and at index 0 wraps to the last slot).
"""
import math

import torch


def _ln(t):
    mu = t.mean(-1, keepdim=True)
    var = t.var(-1, keepdim=True, unbiased=False)
    return (t - mu) / (var + 1e-5).sqrt()


def _gelu(t):
    return t * torch.sigmoid(2 * math.sqrt(2 / math.pi) * (t + 0.044715 * t * t * t))


def causal_lm_step(token_ids: torch.Tensor, index: int, cache: torch.Tensor, w_emb: torch.Tensor,
                   pos_embed: torch.Tensor, blocks_weights: torch.Tensor, num_heads: int):
    new_cache = cache.clone()
    H = num_heads
    N = token_ids.numel()
    d = w_emb.shape[-1]
    dh = d // H
    x = (w_emb[token_ids] + pos_embed[index]).unsqueeze(1)          # (N, 1, d)
    for i, W in enumerate(blocks_weights):
        h = _ln(x)
        q = torch.einsum("nsd,de->nse", h, W[0]).view(N, 1, H, dh).transpose(1, 2)
        k = torch.einsum("nsd,de->nse", h, W[1]).view(N, 1, H, dh).transpose(1, 2)
        v = torch.einsum("nsd,de->nse", h, W[2]).view(N, 1, H, dh).transpose(1, 2)
        new_cache[i, 0, :, :, index - 1] = k[:, :, 0]
        new_cache[i, 1, :, :, index - 1] = v[:, :, 0]
        keys = new_cache[i, 0, :, :, :index + 1]
        vals = new_cache[i, 1, :, :, :index + 1]
        s = torch.einsum("nhqe,nhke->nhqk", q, keys) / math.sqrt(dh)
        a = torch.softmax(s, dim=-1)
        o = torch.einsum("nhqk,nhke->nqhe", a, vals).reshape(N, 1, d)
        x = x + o @ W[3]
        x = x + _gelu(_ln(x) @ W[4]) @ W[5]
    logits = _ln(x)[:, 0] @ w_emb.T
    return logits, new_cache
