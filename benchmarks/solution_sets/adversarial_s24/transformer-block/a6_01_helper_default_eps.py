"""
MISTAKE: The MLP's second matrix is w_mlp1 again (w_1 used twice); the helper layer_norm's own default eps is 1e-6, which the block never uses (it passes 1e-5): the helper fails its own problem's cases for a reason unrelated to the block's failure.
"""
import math
import torch


def layer_norm(x, eps=1e-6):
    m = x.mean(-1, keepdim=True)
    v = ((x - m) ** 2).mean(-1, keepdim=True)
    return (x - m) / torch.sqrt(v + eps)


def gelu(x):
    return 0.5 * x * (1 + torch.tanh(math.sqrt(2 / math.pi) * (x + 0.044715 * x ** 3)))


def multi_head_attention(x, w_q, w_k, w_v, w_o, num_heads, causal=False):
    N, T, d = x.shape
    dh = d // num_heads
    q, k, v = [(x @ w).view(N, T, num_heads, dh).transpose(1, 2) for w in (w_q, w_k, w_v)]
    s = q @ k.transpose(-1, -2) / math.sqrt(dh)
    if causal:
        s = s.masked_fill(torch.ones(T, T, dtype=torch.bool).triu(1), float("-inf"))
    return (s.softmax(-1) @ v).transpose(1, 2).reshape(N, T, d) @ w_o


def pre_ln_block(x, block_weights, num_heads, causal=False):
    w_q, w_k, w_v, w_o, w1, w2 = block_weights
    x = x + multi_head_attention(layer_norm(x, 1e-5), w_q, w_k, w_v, w_o, num_heads, causal)
    return x + gelu(layer_norm(x, 1e-5) @ w1) @ w1
