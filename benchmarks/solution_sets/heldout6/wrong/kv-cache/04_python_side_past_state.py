"""
MISTAKE: Keeps its own module-level list of past keys/values (HF past_key_values style, reset only when index == 0) and attends over that list instead of reading the cache argument, so a cache filled by another implementation (or a call without the preceding ones) is ignored.
EXPECTED DIAGNOSIS: State kept between calls: the step must read the past from the cache it is given (cache[i, 0/1, :, :, :index + 1]); it fails on a cache filled elsewhere even though a full decode from index 0 works.
"""

import math

import torch

_PAST = []   # one [keys_list, values_list] per block


def layer_norm(x, eps=1e-5):
    mean = x.mean(-1, keepdim=True)
    var = ((x - mean) ** 2).mean(-1, keepdim=True)
    return (x - mean) / torch.sqrt(var + eps)


def gelu(x):
    return 0.5 * x * (1 + torch.tanh(math.sqrt(2 / math.pi) * (x + 0.044715 * x ** 3)))


def causal_lm_step(token_ids: torch.Tensor, index: int, cache: torch.Tensor, w_emb: torch.Tensor,
                   pos_embed: torch.Tensor, blocks_weights: torch.Tensor,
                   num_heads: int) -> tuple[torch.Tensor, torch.Tensor]:
    """token_ids: (N,) int64 at position `index` -> (logits (N, V), cache with position `index` written)."""
    if index == 0:
        _PAST.clear()
    N = token_ids.shape[0]
    d = w_emb.shape[1]
    c = d // num_heads
    x = (w_emb[token_ids] + pos_embed[index]).unsqueeze(1)
    for i in range(blocks_weights.shape[0]):
        if len(_PAST) <= i:
            _PAST.append([[], []])
        w_q, w_k, w_v, w_o, w_mlp1, w_mlp2 = blocks_weights[i]
        h = layer_norm(x)
        q = (h @ w_q).view(N, 1, num_heads, c).transpose(1, 2)
        k = (h @ w_k).view(N, 1, num_heads, c).transpose(1, 2)
        v = (h @ w_v).view(N, 1, num_heads, c).transpose(1, 2)
        cache[i, 0, :, :, index] = k[:, :, 0]
        cache[i, 1, :, :, index] = v[:, :, 0]
        _PAST[i][0].append(k)
        _PAST[i][1].append(v)
        K = torch.cat(_PAST[i][0], dim=2)
        Vv = torch.cat(_PAST[i][1], dim=2)
        att = torch.softmax(q @ K.transpose(-1, -2) / math.sqrt(c), dim=-1)
        x = x + (att @ Vv).transpose(1, 2).reshape(N, 1, d) @ w_o
        x = x + gelu(layer_norm(x) @ w_mlp1) @ w_mlp2
    return (layer_norm(x) @ w_emb.T)[:, 0], cache
