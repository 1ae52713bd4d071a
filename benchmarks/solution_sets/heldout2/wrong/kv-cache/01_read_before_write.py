"""MISTAKE: reads the cached keys/values (up to index) before writing this position's k/v, so the token attends to a zero slot instead of itself
EXPECTED DIAGNOSIS: Write the new key and value at `index` first, then attend over cache[:index+1]; otherwise the current token sees zeros in its own slot.
"""
import math

import torch

def layer_norm(x, eps=1e-5):
    mean = x.mean(dim=-1, keepdim=True)
    var = ((x - mean) ** 2).mean(dim=-1, keepdim=True)
    return (x - mean) / torch.sqrt(var + eps)

def gelu(x):
    return 0.5 * x * (1.0 + torch.tanh(math.sqrt(2.0 / math.pi) * (x + 0.044715 * x ** 3)))


def causal_lm_step(token_ids: torch.Tensor, index: int, cache: torch.Tensor, w_emb: torch.Tensor,
                   pos_embed: torch.Tensor, blocks_weights: torch.Tensor,
                   num_heads: int) -> tuple[torch.Tensor, torch.Tensor]:
    cache = cache.clone()
    N = token_ids.shape[0]
    d = w_emb.shape[1]
    dh = d // num_heads
    x = w_emb[token_ids] + pos_embed[index]
    for i in range(blocks_weights.shape[0]):
        w_q, w_k, w_v, w_o, w_1, w_2 = blocks_weights[i]
        h = layer_norm(x)
        q = (h @ w_q).view(N, num_heads, dh)
        k = (h @ w_k).view(N, num_heads, dh)
        v = (h @ w_v).view(N, num_heads, dh)
        keys = cache[i, 0, :, :, :index + 1].clone()
        vals = cache[i, 1, :, :, :index + 1].clone()
        cache[i, 0, :, :, index] = k
        cache[i, 1, :, :, index] = v
        scores = torch.einsum("nhc,nhtc->nht", q, keys) / math.sqrt(dh)
        att = torch.einsum("nht,nhtc->nhc", torch.softmax(scores, dim=-1), vals)
        x = x + att.reshape(N, d) @ w_o
        x = x + gelu(layer_norm(x) @ w_1) @ w_2
    return layer_norm(x) @ w_emb.T, cache
