"""
MISTAKE: Past keys/values are kept in a module-level dict (reset when index == 0) and attention reads that history instead of the cache it is given; the cache is still written, so decoding from index 0 works, but a call on a cache filled by another implementation (or any call not preceded by this process's own earlier steps) attends over the wrong history.
EXPECTED DIAGNOSIS: State kept between calls: the step must read the past from the `cache` argument alone (`cache[i, 0, :, :, :index + 1]`); the filled-cache case, called once at index 7 / max_len - 1, fails.
"""

import math

import torch

_HISTORY = {}   # block -> list of (k, v), each (N, H, 1, d_head)


def _layer_norm(x, eps=1e-5):
    c = x - x.mean(-1, keepdim=True)
    return c / torch.sqrt(c.pow(2).mean(-1, keepdim=True) + eps)


def _gelu(x):
    return 0.5 * x * (1 + torch.tanh(math.sqrt(2 / math.pi) * (x + 0.044715 * x ** 3)))


def causal_lm_step(token_ids: torch.Tensor, index: int, cache: torch.Tensor, w_emb: torch.Tensor,
                   pos_embed: torch.Tensor, blocks_weights: torch.Tensor,
                   num_heads: int) -> tuple[torch.Tensor, torch.Tensor]:
    """token_ids: (N,) int64 at position `index` -> (logits (N, V), cache with position `index` written)."""
    if index == 0:
        _HISTORY.clear()
    N = token_ids.shape[0]
    d = w_emb.shape[1]
    dh = d // num_heads
    x = (w_emb[token_ids] + pos_embed[index]).view(N, 1, d)
    for i, W in enumerate(blocks_weights):
        h = _layer_norm(x)
        q = (h @ W[0]).view(N, 1, num_heads, dh).transpose(1, 2)
        k = (h @ W[1]).view(N, 1, num_heads, dh).transpose(1, 2)
        v = (h @ W[2]).view(N, 1, num_heads, dh).transpose(1, 2)
        cache[i, 0, :, :, index] = k[:, :, 0]
        cache[i, 1, :, :, index] = v[:, :, 0]
        past = _HISTORY.setdefault(i, [])
        past.append((k, v))
        K = torch.cat([p[0] for p in past], dim=2)
        Vs = torch.cat([p[1] for p in past], dim=2)
        a = torch.softmax(q @ K.transpose(-1, -2) / math.sqrt(dh), dim=-1)
        x = x + (a @ Vs).transpose(1, 2).reshape(N, 1, d) @ W[3]
        x = x + _gelu(_layer_norm(x) @ W[4]) @ W[5]
    return (_layer_norm(x) @ w_emb.T)[:, 0], cache
