"""CORRECT (einsum logits at every position then boolean row selection, pop-from-list block loop).
"""
import math

import torch


def _norm(x, eps=1e-5):
    var, mean = torch.var_mean(x, dim=-1, keepdim=True, correction=0)
    return (x - mean) * (var + eps).rsqrt()


def _act(x):
    return 0.5 * x * (1.0 + torch.tanh(0.7978845608028654 * (x + 0.044715 * x * x * x)))


def _attend(x, wq, wk, wv, wo, H, causal):
    N, T, d = x.shape
    dh = d // H
    q = (x @ wq).unflatten(-1, (H, dh)).transpose(1, 2)
    k = (x @ wk).unflatten(-1, (H, dh)).transpose(1, 2)
    v = (x @ wv).unflatten(-1, (H, dh)).transpose(1, 2)
    s = q @ k.mT * (1.0 / math.sqrt(dh))
    if causal:
        keep = torch.ones(T, T, dtype=torch.bool).tril()
        s = s.masked_fill(~keep, -math.inf)
    return (s.softmax(-1) @ v).transpose(1, 2).flatten(2) @ wo


def _block(x, w, H, causal):
    x = x + _attend(_norm(x), w[0], w[1], w[2], w[3], H, causal)
    return x + _act(_norm(x) @ w[4]) @ w[5]


def mlm_forward_tied(input_ids: torch.Tensor, w_emb: torch.Tensor, pos_embed: torch.Tensor,
                     blocks_weights: torch.Tensor, mask_indicator: torch.Tensor, num_heads: int) -> torch.Tensor:
    N, T = input_ids.shape
    x = w_emb.index_select(0, input_ids.flatten()).unflatten(0, (N, T))
    x = x + pos_embed[:T]
    blocks = list(blocks_weights)
    while blocks:
        x = _block(x, blocks.pop(0), num_heads, False)
    logits = torch.einsum("ntd,vd->ntv", x, w_emb)
    keep = mask_indicator.gt(0.5).flatten()
    return logits.flatten(0, 1)[keep]
