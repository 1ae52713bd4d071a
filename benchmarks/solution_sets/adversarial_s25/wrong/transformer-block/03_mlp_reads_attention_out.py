"""Adversarial (s25): MLP input wrong: near the 'parallel' and 'residual from normed' readings

MISTAKE: The MLP reads layer_norm(attention output) instead of layer_norm(x after the residual).
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
    a = attention(layer_norm(x), w[0], w[1], w[2], w[3], num_heads, causal)
    x = x + a
    return x + gelu(layer_norm(a) @ w[4]) @ w[5]

def pre_ln_block(x, block_weights, num_heads, causal=False):
    return block(x, block_weights, num_heads, causal)
