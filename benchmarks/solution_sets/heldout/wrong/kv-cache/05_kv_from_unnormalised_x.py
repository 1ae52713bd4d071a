"""MISTAKE: projects keys and values from the raw residual x instead of LN(x) (queries use LN(x))
EXPECTED DIAGNOSIS: q, k and v all come from h = layer_norm(x); keys/values of the raw stream are wrong (and the cache holds wrong keys).
"""
import math

import torch
from torch import nn


def layer_norm(x, eps=1e-5):
    mean = x.mean(dim=-1, keepdim=True)
    var = ((x - mean) ** 2).mean(dim=-1, keepdim=True)
    return (x - mean) / torch.sqrt(var + eps)


def gelu(x):
    return 0.5 * x * (1.0 + torch.tanh(math.sqrt(2.0 / math.pi) * (x + 0.044715 * x ** 3)))


class CachedSelfAttention(nn.Module):
    """Attends over every max_len slot, hiding the slots after `index` with a mask."""

    def __init__(self, num_heads):
        super().__init__()
        self.num_heads = num_heads

    def forward(self, q, keys, values, index):
        # q: (N, H, dh); keys/values: (N, H, max_len, dh)
        dh = q.shape[-1]
        scores = torch.einsum("nhe,nhte->nht", q, keys) / math.sqrt(dh)
        slots = torch.arange(keys.shape[2], device=q.device)
        scores = scores.masked_fill(slots > index, float("-inf"))
        weights = torch.softmax(scores.double(), dim=-1).to(q.dtype)
        return torch.einsum("nht,nhte->nhe", weights, values)


def causal_lm_step(token_ids: torch.Tensor, index: int, cache: torch.Tensor, w_emb: torch.Tensor,
                   pos_embed: torch.Tensor, blocks_weights: torch.Tensor, num_heads: int):
    N = token_ids.shape[0]
    d = w_emb.shape[1]
    dh = d // num_heads
    attn = CachedSelfAttention(num_heads)
    x = w_emb[token_ids] + pos_embed[index]
    for i in range(len(blocks_weights)):
        w_q, w_k, w_v, w_o, w_mlp1, w_mlp2 = blocks_weights[i].unbind(0)
        h = layer_norm(x)
        q = (h @ w_q).reshape(N, num_heads, dh)
        cache[i, 0, :, :, index] = (x @ w_k).reshape(N, num_heads, dh)
        cache[i, 1, :, :, index] = (x @ w_v).reshape(N, num_heads, dh)
        o = attn(q, cache[i, 0], cache[i, 1], index).reshape(N, d)
        x = x + o @ w_o
        x = x + gelu(layer_norm(x) @ w_mlp1) @ w_mlp2
    return layer_norm(x) @ w_emb.T, cache
