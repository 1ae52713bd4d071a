"""Correct: blocks applied by recursion, F.embedding for the lookup, F.linear(h, w_emb) as the tied head,
masked rows selected with masked_select + view."""
import math

import torch
import torch.nn.functional as F


def _layer_norm(x, eps=1e-5):
    c = x - x.mean(dim=-1, keepdim=True)
    return c / torch.sqrt(torch.mean(c * c, dim=-1, keepdim=True) + eps)


def _gelu(x):
    return 0.5 * x * (1 + torch.tanh(math.sqrt(2 / math.pi) * (x + 0.044715 * x ** 3)))


def _attention(x, w, H):
    N, T, d = x.shape
    dh = d // H
    q = (x @ w[0]).reshape(N, T, H, dh).transpose(1, 2)
    k = (x @ w[1]).reshape(N, T, H, dh).transpose(1, 2)
    v = (x @ w[2]).reshape(N, T, H, dh).transpose(1, 2)
    p = torch.softmax(torch.matmul(q, k.transpose(2, 3)) / math.sqrt(dh), dim=3)
    return torch.matmul(p, v).transpose(1, 2).reshape(N, T, d) @ w[3]


def _run(x, blocks, H):
    if blocks.shape[0] == 0:
        return x
    w = blocks[0]
    x = x + _attention(_layer_norm(x), w, H)
    x = x + _gelu(_layer_norm(x) @ w[4]) @ w[5]
    return _run(x, blocks[1:], H)


def mlm_forward_tied(input_ids, w_emb, pos_embed, blocks_weights, mask_indicator, num_heads):
    T = input_ids.shape[1]
    d = w_emb.shape[1]
    x = F.embedding(input_ids, w_emb) + pos_embed[:T]
    x = _run(x, blocks_weights, num_heads)
    sel = (mask_indicator > 0.5).unsqueeze(-1)
    h = torch.masked_select(x, sel).view(-1, d)
    return F.linear(h, w_emb)
