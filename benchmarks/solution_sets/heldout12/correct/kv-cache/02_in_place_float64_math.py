"""CORRECT kv-cache: writes the new keys/values into the given cache in place (cast to the cache's dtype),
does the arithmetic in float64, attends over cache[..., :index + 1] per block, casts logits back to the
weights' dtype and returns the same cache object.
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
    dt = w_emb.dtype
    N = token_ids.numel()
    d = w_emb.shape[-1]
    dh = d // num_heads
    x = (w_emb[token_ids] + pos_embed[index]).double().unsqueeze(1)      # (N, 1, d)
    for i in range(blocks_weights.shape[0]):
        w_q, w_k, w_v, w_o, w1, w2 = blocks_weights[i].double()
        h = layer_norm(x)
        heads = lambda t: t.view(N, 1, num_heads, dh).transpose(1, 2)   # (N, H, 1, dh)
        q, k, v = heads(h @ w_q), heads(h @ w_k), heads(h @ w_v)
        cache[i, 0, :, :, index] = k[:, :, 0].to(cache.dtype)
        cache[i, 1, :, :, index] = v[:, :, 0].to(cache.dtype)
        K = cache[i, 0, :, :, :index + 1].double()
        V = cache[i, 1, :, :, :index + 1].double()
        w = torch.softmax(q @ K.transpose(-1, -2) / math.sqrt(dh), dim=-1)
        x = x + (w @ V).transpose(1, 2).reshape(N, 1, d) @ w_o
        x = x + gelu(layer_norm(x) @ w1) @ w2
    logits = (layer_norm(x) @ w_emb.double().T)[:, 0]
    return logits.to(dt), cache
