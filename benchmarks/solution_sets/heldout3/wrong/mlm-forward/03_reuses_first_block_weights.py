"""
MISTAKE: The block loop passes blocks_weights[0] to every block, so all blocks run with the first block's weights.
EXPECTED DIAGNOSIS: Block i must use blocks_weights[i]. Your loop counts the right number of blocks but always indexes block 0 (only num_blocks <= 1 is right).
"""
import math

import torch

def layer_norm(x, eps=1e-5):
    mean = x.mean(dim=-1, keepdim=True)
    var = ((x - mean) ** 2).mean(dim=-1, keepdim=True)
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

def mlm_forward(input_ids, w_emb, pos_embed, blocks_weights, w_head, mask_indicator, num_heads):
    T = input_ids.shape[1]
    x = w_emb[input_ids] + pos_embed[:T]
    first = blocks_weights[0] if blocks_weights.shape[0] > 0 else None
    for _ in blocks_weights:
        x = pre_ln_block(x, first, num_heads, causal=False)
    h = x[mask_indicator > 0.5]
    return h @ w_head
