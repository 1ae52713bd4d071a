"""Adversarial (s25): coincides where d_head = num_heads

MISTAKE: Scores divided by sqrt(num_heads) instead of sqrt(d_head).
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

def attention(x, w_q, w_k, w_v, w_o, num_heads, causal=False):
    N, T, d = x.shape
    dh = d // num_heads
    q = (x @ w_q).view(N, T, num_heads, dh).transpose(1, 2)
    k = (x @ w_k).view(N, T, num_heads, dh).transpose(1, 2)
    v = (x @ w_v).view(N, T, num_heads, dh).transpose(1, 2)
    s = q @ k.transpose(-2, -1) / math.sqrt(dh)
    if causal:
        s = s.masked_fill(torch.ones(T, T, dtype=torch.bool).triu(1), float("-inf"))
    a = torch.softmax(s, dim=-1)
    return (a @ v).transpose(1, 2).reshape(N, T, d) @ w_o

def block(x, w, num_heads, causal):
    x = x + attention(layer_norm(x), w[0], w[1], w[2], w[3], num_heads, causal)
    return x + gelu(layer_norm(x) @ w[4]) @ w[5]

def causal_lm_step(token_ids, index, cache, w_emb, pos_embed, blocks_weights, num_heads):
    N = token_ids.shape[0]
    d = w_emb.shape[1]
    H = num_heads
    dh = d // H
    x = w_emb[token_ids] + pos_embed[index]
    for i, w in enumerate(blocks_weights):
        h = layer_norm(x)
        q = (h @ w[0]).view(N, H, 1, dh)
        cache[i, 0, :, :, index] = (h @ w[1]).view(N, H, dh)
        cache[i, 1, :, :, index] = (h @ w[2]).view(N, H, dh)
        K = cache[i, 0, :, :, :index + 1]
        Vv = cache[i, 1, :, :, :index + 1]
        a = torch.softmax(q @ K.transpose(-2, -1) / math.sqrt(H), dim=-1)
        x = x + (a @ Vv).reshape(N, d) @ w[3]
        x = x + gelu(layer_norm(x) @ w[4]) @ w[5]
    return layer_norm(x) @ w_emb.T, cache
