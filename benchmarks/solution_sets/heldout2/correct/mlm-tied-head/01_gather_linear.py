"""CORRECT (F.embedding lookup, flattened nonzero indices, F.linear as the tied head).
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
    x = torch.nn.functional.embedding(input_ids, w_emb) + pos_embed[torch.arange(T)]
    for i in range(len(blocks_weights)):
        x = _block(x, blocks_weights[i], num_heads, False)
    idx = (mask_indicator.flatten() > 0.5).nonzero().squeeze(1)
    h = x.flatten(0, 1)[idx]
    return torch.nn.functional.linear(h, w_emb)   # h @ w_emb.T
