"""
MISTAKE: Token embeddings scaled by sqrt(d) (as in the original Transformer).
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


def causal_lm_forward(input_ids, w_emb, pos_embed, blocks_weights, num_heads):
    T = input_ids.shape[1]
    x = w_emb[input_ids] * math.sqrt(w_emb.shape[1]) + pos_embed[:T]
    for w_q, w_k, w_v, w_o, w1, w2 in blocks_weights:
        x = x + mha(ln(x), w_q, w_k, w_v, w_o, num_heads, True)
        x = x + gelu(ln(x) @ w1) @ w2
    return ln(x) @ w_emb.T
