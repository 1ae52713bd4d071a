"""
MISTAKE: Copy-paste slip in the cache write: the values are written to the keys slot (`cache[i, 0, ..., index] = v` right after the keys), so slot 0 holds this token's value instead of its key and slot 1 is never written (stays zero).
EXPECTED DIAGNOSIS: Wrong slot of the cache: keys go to `cache[i, 0]` and values to `cache[i, 1]`; here the keys slot holds the values and the values slot is never written, so the cache and the logits are wrong.
"""

import math

import torch


def layer_norm(x, eps=1e-5):
    mean = x.mean(dim=-1, keepdim=True)
    var = ((x - mean) ** 2).mean(dim=-1, keepdim=True)
    return (x - mean) / torch.sqrt(var + eps)


def gelu(x):
    return 0.5 * x * (1.0 + torch.tanh(math.sqrt(2.0 / math.pi) * (x + 0.044715 * x * x * x)))


def causal_lm_step(token_ids: torch.Tensor, index: int, cache: torch.Tensor, w_emb: torch.Tensor,
                   pos_embed: torch.Tensor, blocks_weights: torch.Tensor,
                   num_heads: int) -> tuple[torch.Tensor, torch.Tensor]:
    """token_ids: (N,) int64 at position `index` -> (logits (N, V), cache with position `index` written)."""
    N = token_ids.shape[0]
    V, d = w_emb.shape
    hd = d // num_heads
    x = w_emb[token_ids].unsqueeze(1) + pos_embed[index]
    for i in range(len(blocks_weights)):
        w_q, w_k, w_v, w_o, w_mlp1, w_mlp2 = blocks_weights[i]
        h = layer_norm(x)
        q = (h @ w_q).reshape(N, num_heads, hd)
        k = (h @ w_k).reshape(N, num_heads, hd)
        v = (h @ w_v).reshape(N, num_heads, hd)
        cache[i, 0, :, :, index] = k
        cache[i, 0, :, :, index] = v
        keys = cache[i, 0, :, :, :index + 1]           # (N, H, L, hd)
        values = cache[i, 1, :, :, :index + 1]
        scores = torch.einsum('nhe,nhle->nhl', q, keys) / math.sqrt(hd)
        w = torch.softmax(scores, dim=-1)
        ctx = torch.einsum('nhl,nhle->nhe', w, values).reshape(N, 1, d)
        x = x + ctx @ w_o
        x = x + gelu(layer_norm(x) @ w_mlp1) @ w_mlp2
    return (layer_norm(x) @ w_emb.T).reshape(N, V), cache
