"""CORRECT kv-cache: works on a clone of the cache (the caller's tensor is left as is), projects only the new
token, writes its keys/values at slot `index` of every block, attends with einsum over slots 0..index,
returns (logits (N, V), new cache).
"""

import math

import torch

def layer_norm(x, eps=1e-5):
    mean = x.mean(dim=-1, keepdim=True)
    xc = x - mean
    var = (xc * xc).mean(dim=-1, keepdim=True)
    return xc / torch.sqrt(var + eps)

def gelu(x):
    c = math.sqrt(2.0 / math.pi)
    return 0.5 * x * (1.0 + torch.tanh(c * (x + 0.044715 * x ** 3)))


def causal_lm_step(token_ids: torch.Tensor, index: int, cache: torch.Tensor, w_emb: torch.Tensor,
                   pos_embed: torch.Tensor, blocks_weights: torch.Tensor,
                   num_heads: int) -> tuple[torch.Tensor, torch.Tensor]:
    cache = cache.clone()
    N = token_ids.shape[0]
    d = w_emb.shape[1]
    H = num_heads
    dh = d // H
    x = w_emb[token_ids] + pos_embed[index]            # (N, d)
    for i, (w_q, w_k, w_v, w_o, w1, w2) in enumerate(blocks_weights):
        h = layer_norm(x)
        q = (h @ w_q).view(N, H, dh)
        cache[i, 0, :, :, index] = (h @ w_k).view(N, H, dh)
        cache[i, 1, :, :, index] = (h @ w_v).view(N, H, dh)
        K = cache[i, 0, :, :, :index + 1]                 # (N, H, t, dh)
        V = cache[i, 1, :, :, :index + 1]
        s = torch.einsum("nhe,nhte->nht", q, K) / math.sqrt(dh)
        a = torch.einsum("nht,nhte->nhe", torch.softmax(s, dim=-1), V)
        x = x + a.reshape(N, d) @ w_o
        x = x + gelu(layer_norm(x) @ w1) @ w2
    return layer_norm(x) @ w_emb.T, cache
