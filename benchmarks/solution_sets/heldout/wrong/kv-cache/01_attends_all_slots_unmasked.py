"""MISTAKE: attends over all max_len cache slots with no mask (zero slots after index included)
EXPECTED DIAGNOSIS: Slots after index are zeros but a zero key still gets weight exp(0); slice :index+1 or mask the unwritten slots.
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
                   pos_embed: torch.Tensor, blocks_weights: torch.Tensor, num_heads: int):
    N = token_ids.shape[0]
    d = w_emb.shape[1]
    dh = d // num_heads
    x = w_emb[token_ids] + pos_embed[index]              # (N, d)
    for i in range(blocks_weights.shape[0]):
        w_q, w_k, w_v, w_o, w_mlp1, w_mlp2 = blocks_weights[i]
        h = layer_norm(x)
        q = (h @ w_q).view(N, num_heads, 1, dh)
        k = (h @ w_k).view(N, num_heads, dh)
        v = (h @ w_v).view(N, num_heads, dh)
        cache[i, 0, :, :, index] = k
        cache[i, 1, :, :, index] = v
        K = cache[i, 0]                 # (N, H, index + 1, dh)
        V = cache[i, 1]
        att = torch.softmax(q @ K.transpose(-1, -2) / math.sqrt(dh), dim=-1)   # (N, H, 1, index + 1)
        o = (att @ V).reshape(N, d)
        x = x + o @ w_o
        x = x + gelu(layer_norm(x) @ w_mlp1) @ w_mlp2
    logits = layer_norm(x) @ w_emb.T
    return logits, cache
