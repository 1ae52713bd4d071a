"""Correct: embedding lookup as a one-hot matmul, blocks as a functools.reduce, masked rows picked
with nonzero() indices on the flattened (N*T) axis (row-major by construction)."""
import functools
import math

import torch
import torch.nn.functional as F


def _ln(x):
    mu = x.mean(-1, keepdim=True)
    return (x - mu) * torch.rsqrt(((x - mu) ** 2).mean(-1, keepdim=True) + 1e-5)


def _gelu(x):
    return 0.5 * x * (1.0 + torch.tanh(math.sqrt(2.0 / math.pi) * (x + 0.044715 * x.pow(3))))


def _mha(x, wq, wk, wv, wo, H):
    N, T, d = x.shape
    dh = d // H
    split = lambda t: t.unflatten(-1, (H, dh)).permute(0, 2, 1, 3)
    q, k, v = split(x @ wq), split(x @ wk), split(x @ wv)
    a = torch.softmax(q @ k.transpose(-1, -2) * (1.0 / math.sqrt(dh)), dim=-1)
    return (a @ v).permute(0, 2, 1, 3).flatten(-2) @ wo


def _block(x, w, H):
    x = x + _mha(_ln(x), w[0], w[1], w[2], w[3], H)
    return x + _gelu(_ln(x) @ w[4]) @ w[5]


def mlm_forward(input_ids, w_emb, pos_embed, blocks_weights, w_head, mask_indicator, num_heads):
    N, T = input_ids.shape
    V, d = w_emb.shape
    onehot = F.one_hot(input_ids, V).to(w_emb.dtype)
    x = onehot @ w_emb + pos_embed[:T].unsqueeze(0)
    x = functools.reduce(lambda acc, w: _block(acc, w, num_heads), list(blocks_weights.unbind(0)), x)
    flat = x.reshape(N * T, d)
    rows = torch.nonzero(mask_indicator.reshape(-1) > 0.5).flatten()
    return flat.index_select(0, rows) @ w_head
