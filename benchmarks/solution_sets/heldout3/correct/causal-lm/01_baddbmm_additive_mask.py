"""Correct: heads folded into the batch axis, scores via torch.baddbmm with an additive -inf mask
(built with triu on a full -inf matrix), GELU via sigmoid, ln_f then tied head via einsum."""
import math

import torch


def _ln(x, eps=1e-5):
    var, mean = torch.var_mean(x, dim=-1, unbiased=False, keepdim=True)
    return (x - mean) / torch.sqrt(var + eps)


def _gelu(x):
    return x * torch.sigmoid(1.5957691216057308 * (x + 0.044715 * x * x * x))


def _causal_mha(x, wq, wk, wv, wo, H):
    N, T, d = x.shape
    dh = d // H
    fold = lambda t: t.view(N, T, H, dh).permute(0, 2, 1, 3).reshape(N * H, T, dh)
    q, k, v = fold(x @ wq), fold(x @ wk), fold(x @ wv)
    mask = torch.full((T, T), float("-inf"), dtype=x.dtype, device=x.device).triu(diagonal=1)
    s = torch.baddbmm(mask.expand(N * H, T, T), q, k.transpose(1, 2), alpha=1.0 / math.sqrt(dh))
    o = torch.bmm(torch.softmax(s, dim=-1), v)
    o = o.view(N, H, T, dh).permute(0, 2, 1, 3).reshape(N, T, d)
    return o @ wo


def causal_lm_forward(input_ids, w_emb, pos_embed, blocks_weights, num_heads):
    T = input_ids.shape[1]
    x = w_emb.index_select(0, input_ids.reshape(-1)).view(*input_ids.shape, -1) + pos_embed[:T]
    for w in blocks_weights:
        x = x + _causal_mha(_ln(x), w[0], w[1], w[2], w[3], num_heads)
        x = x + _gelu(_ln(x) @ w[4]) @ w[5]
    return torch.einsum("ntd,vd->ntv", _ln(x), w_emb)
