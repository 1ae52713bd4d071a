"""Adversarial (s25): masked keys hidden: 'causal mask' or padding readings

MISTAKE: The mask_indicator is used as an attention mask as well: masked tokens are hidden as keys (BERT's attention_mask confusion).
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

def attention(x, w_q, w_k, w_v, w_o, num_heads, causal=False, pad=None):
    N, T, d = x.shape
    dh = d // num_heads
    q = (x @ w_q).view(N, T, num_heads, dh).transpose(1, 2)
    k = (x @ w_k).view(N, T, num_heads, dh).transpose(1, 2)
    v = (x @ w_v).view(N, T, num_heads, dh).transpose(1, 2)
    s = q @ k.transpose(-2, -1) / math.sqrt(dh)
    if causal:
        s = s.masked_fill(torch.ones(T, T, dtype=torch.bool).triu(1), float("-inf"))
    if pad is not None:
        s = s.masked_fill(pad[:, None, None, :], -1e9)
    a = torch.softmax(s, dim=-1)
    return (a @ v).transpose(1, 2).reshape(N, T, d) @ w_o

def block(x, w, num_heads, causal, pad=None):
    x = x + attention(layer_norm(x), w[0], w[1], w[2], w[3], num_heads, causal, pad)
    return x + gelu(layer_norm(x) @ w[4]) @ w[5]

def mlm_forward(input_ids, w_emb, pos_embed, blocks_weights, w_head, mask_indicator, num_heads):
    T = input_ids.shape[1]
    x = w_emb[input_ids] + pos_embed[:T]
    for w in blocks_weights:
        x = block(x, w, num_heads, False, mask_indicator > 0.5)
    return x[mask_indicator > 0.5] @ w_head
