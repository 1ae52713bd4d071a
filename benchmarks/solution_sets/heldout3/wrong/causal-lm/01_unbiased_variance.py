"""
MISTAKE: Layer norm uses torch.var's default unbiased (d-1) variance.
EXPECTED DIAGNOSIS: Layer norm uses the biased (population) variance: divide by d, i.e. var(..., unbiased=False) / correction=0. torch.var defaults to d-1.
"""
import math

import torch

def layer_norm(x, eps=1e-5):
    mean = x.mean(dim=-1, keepdim=True)
    var = x.var(dim=-1, keepdim=True)
    return (x - mean) / torch.sqrt(var + eps)


def gelu(x):
    return 0.5 * x * (1 + torch.tanh(math.sqrt(2 / math.pi) * (x + 0.044715 * torch.pow(x, 3))))


def multi_head_attention(x, w_q, w_k, w_v, w_o, num_heads, causal=False):
    N, T, d = x.shape
    dh = d // num_heads
    q = (x @ w_q).view(N, T, num_heads, dh).transpose(1, 2)
    k = (x @ w_k).view(N, T, num_heads, dh).transpose(1, 2)
    v = (x @ w_v).view(N, T, num_heads, dh).transpose(1, 2)
    scores = q @ k.transpose(-2, -1) / math.sqrt(dh)
    if causal:
        allowed = torch.ones(T, T, dtype=torch.bool, device=x.device).tril()
        scores = scores.masked_fill(~allowed, float("-inf"))
    weights = torch.softmax(scores, dim=-1)
    out = (weights @ v).transpose(1, 2).reshape(N, T, d)
    return out @ w_o


def pre_ln_block(x, block_weights, num_heads, causal=False):
    w_q, w_k, w_v, w_o, w_mlp1, w_mlp2 = block_weights
    x = x + multi_head_attention(layer_norm(x), w_q, w_k, w_v, w_o, num_heads, causal)
    x = x + gelu(layer_norm(x) @ w_mlp1) @ w_mlp2
    return x

def causal_lm_forward(input_ids, w_emb, pos_embed, blocks_weights, num_heads):
    T = input_ids.shape[1]
    x = w_emb[input_ids] + pos_embed[:T]
    for i in range(blocks_weights.shape[0]):
        x = pre_ln_block(x, blocks_weights[i], num_heads, causal=True)
    x = layer_norm(x)
    return x @ w_emb.T
