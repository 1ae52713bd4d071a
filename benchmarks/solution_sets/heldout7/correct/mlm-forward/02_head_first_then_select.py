"""
CORRECT: Computes the head on every position and then selects the masked rows (same numbers, more work), written with einsum attention inline.
"""
import math

import torch


def _norm(t):
    m = t.mean(-1, keepdim=True)
    return (t - m) / ((t - m).pow(2).mean(-1, keepdim=True) + 1e-5).sqrt()


def mlm_forward(input_ids: torch.Tensor, w_emb: torch.Tensor, pos_embed: torch.Tensor,
                blocks_weights: torch.Tensor, w_head: torch.Tensor, mask_indicator: torch.Tensor,
                num_heads: int) -> torch.Tensor:
    N, T = input_ids.shape
    d = w_emb.shape[-1]
    H = num_heads
    dh = d // H
    x = w_emb[input_ids] + pos_embed[:T]
    for wq, wk, wv, wo, w1, w2 in blocks_weights:
        h = _norm(x)
        q, k, v = [(h @ w).view(N, T, H, dh) for w in (wq, wk, wv)]
        att = torch.softmax(torch.einsum("nihc,njhc->nhij", q, k) / math.sqrt(dh), dim=-1)
        x = x + torch.einsum("nhij,njhc->nihc", att, v).reshape(N, T, d) @ wo
        u = _norm(x) @ w1
        x = x + (0.5 * u * (1 + torch.tanh(math.sqrt(2 / math.pi) * (u + 0.044715 * u ** 3)))) @ w2
    logits = x @ w_head                    # (N, T, V)
    return logits[mask_indicator.bool()]   # 0/1 floats -> bool, row-major
