"""
MISTAKE: Attends only to the slot just written (cache[..., index:index + 1]): the past is never read.
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


def causal_lm_step(token_ids, index, cache, w_emb, pos_embed, blocks_weights, num_heads):
    N = token_ids.shape[0]
    d = w_emb.shape[1]
    H = num_heads
    dh = d // H
    cache = cache.clone()
    x = (w_emb[token_ids] + pos_embed[index])[:, None]
    for i, (w_q, w_k, w_v, w_o, w1, w2) in enumerate(blocks_weights):
        h = ln(x)
        q, k, v = [(h @ w).view(N, 1, H, dh).transpose(1, 2) for w in (w_q, w_k, w_v)]
        cache[i, 0, :, :, index] = k[:, :, 0]
        cache[i, 1, :, :, index] = v[:, :, 0]
        K, V = cache[i, 0, :, :, index:index + 1], cache[i, 1, :, :, index:index + 1]
        s = q @ K.transpose(-1, -2) / math.sqrt(dh)
        x = x + (s.softmax(-1) @ V).transpose(1, 2).reshape(N, 1, d) @ w_o
        x = x + gelu(ln(x) @ w1) @ w2
    return (ln(x) @ w_emb.T)[:, 0], cache
