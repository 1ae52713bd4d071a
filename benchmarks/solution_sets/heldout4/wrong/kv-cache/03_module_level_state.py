"""
MISTAKE: Keeps its own module-level lists of past keys/values (reset when index == 0) and attends over those instead of reading the cache it is given; it only writes the cache, so a cache filled by another implementation is ignored.
EXPECTED DIAGNOSIS: Your step keeps state between calls instead of reading the past from the cache argument: called once at index > 0 on a filled cache it does not see the earlier positions. Read keys/values from cache[i, 0/1, :, :, :index + 1].
"""
import math

import torch

_PAST_K = {}
_PAST_V = {}


def layer_norm(x, eps=1e-5):
    m = x.mean(-1, keepdim=True)
    return (x - m) / torch.sqrt(x.var(-1, keepdim=True, unbiased=False) + eps)


def gelu(x):
    return 0.5 * x * (1.0 + torch.tanh(math.sqrt(2.0 / math.pi) * (x + 0.044715 * x ** 3)))


def causal_lm_step(token_ids: torch.Tensor, index: int, cache: torch.Tensor, w_emb: torch.Tensor,
                   pos_embed: torch.Tensor, blocks_weights: torch.Tensor,
                   num_heads: int) -> tuple[torch.Tensor, torch.Tensor]:
    """token_ids: (N,) int64 at position `index` -> (logits (N, V), cache)."""
    if index == 0:
        _PAST_K.clear()
        _PAST_V.clear()
    N = token_ids.shape[0]
    d = w_emb.shape[1]
    dh = d // num_heads
    x = (w_emb[token_ids] + pos_embed[index])[:, None, :]
    for i, W in enumerate(blocks_weights):
        h = layer_norm(x)
        q = (h @ W[0]).view(N, 1, num_heads, dh).transpose(1, 2)
        k = (h @ W[1]).view(N, 1, num_heads, dh).transpose(1, 2)
        v = (h @ W[2]).view(N, 1, num_heads, dh).transpose(1, 2)
        cache[i, 0, :, :, index:index + 1] = k
        cache[i, 1, :, :, index:index + 1] = v
        _PAST_K.setdefault(i, []).append(k)
        _PAST_V.setdefault(i, []).append(v)
        K = torch.cat(_PAST_K[i], dim=2)
        V = torch.cat(_PAST_V[i], dim=2)
        a = torch.softmax(q @ K.transpose(-1, -2) / math.sqrt(dh), dim=-1)
        x = x + (a @ V).transpose(1, 2).reshape(N, 1, d) @ W[3]
        x = x + gelu(layer_norm(x) @ W[4]) @ W[5]
    return (layer_norm(x) @ w_emb.T)[:, 0], cache
