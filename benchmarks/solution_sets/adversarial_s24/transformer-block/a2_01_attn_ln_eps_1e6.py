"""
MISTAKE: The attention's layer norm uses eps = 1e-6 (copied from another codebase), the MLP's 1e-5.
"""
import math
import torch


def ln(x, eps=1e-5):
    m = x.mean(-1, keepdim=True)
    v = ((x - m) ** 2).mean(-1, keepdim=True)
    return (x - m) / torch.sqrt(v + eps)


def gelu(x):
    return 0.5 * x * (1 + torch.tanh(math.sqrt(2 / math.pi) * (x + 0.044715 * x ** 3)))


def mha(x, w_q, w_k, w_v, w_o, H, causal):
    N, T, d = x.shape
    dh = d // H
    q, k, v = [(x @ w).view(N, T, H, dh).transpose(1, 2) for w in (w_q, w_k, w_v)]
    s = q @ k.transpose(-1, -2) / math.sqrt(dh)
    if causal:
        s = s.masked_fill(torch.ones(T, T, dtype=torch.bool).triu(1), float("-inf"))
    return (s.softmax(-1) @ v).transpose(1, 2).reshape(N, T, d) @ w_o


def pre_ln_block(x, block_weights, num_heads, causal=False):
    w_q, w_k, w_v, w_o, w1, w2 = block_weights
    x = x + mha(ln(x, 1e-6), w_q, w_k, w_v, w_o, num_heads, causal)
    return x + gelu(ln(x) @ w1) @ w2
