"""CORRECT: einsum-based attention, blocks applied via an inner function, masked rows picked by nonzero() on the flattened (N*T, d) stream with index_select."""

import math

import torch


def _ln(x, eps=1e-5):
    m = x.mean(-1, keepdim=True)
    v = (x - m).pow(2).mean(-1, keepdim=True)
    return (x - m) / (v + eps).sqrt()


def _gelu(x):
    return 0.5 * x * (1.0 + torch.tanh(math.sqrt(2.0 / math.pi) * (x + 0.044715 * x * x * x)))


def _attention(h, w_q, w_k, w_v, w_o, H):
    N, T, d = h.shape
    dh = d // H
    q = torch.einsum("ntd,de->nte", h, w_q).reshape(N, T, H, dh)
    k = torch.einsum("ntd,de->nte", h, w_k).reshape(N, T, H, dh)
    v = torch.einsum("ntd,de->nte", h, w_v).reshape(N, T, H, dh)
    s = torch.einsum("nqhe,nkhe->nhqk", q, k) / math.sqrt(dh)
    o = torch.einsum("nhqk,nkhe->nqhe", torch.softmax(s, dim=-1), v).reshape(N, T, d)
    return torch.einsum("ntd,de->nte", o, w_o)


def mlm_forward(input_ids: torch.Tensor, w_emb: torch.Tensor, pos_embed: torch.Tensor,
                blocks_weights: torch.Tensor, w_head: torch.Tensor, mask_indicator: torch.Tensor,
                num_heads: int) -> torch.Tensor:
    """(M, V) logits at the masked positions."""
    N, T = input_ids.shape
    d = w_emb.shape[1]
    x = torch.index_select(w_emb, 0, input_ids.reshape(-1)).reshape(N, T, d) + pos_embed[:T].unsqueeze(0)
    for bw in blocks_weights:
        w_q, w_k, w_v, w_o, w1, w2 = bw.unbind(0)
        x = x + _attention(_ln(x), w_q, w_k, w_v, w_o, num_heads)
        x = x + _gelu(_ln(x) @ w1) @ w2
    rows = torch.nonzero(mask_indicator.reshape(-1) > 0.5).reshape(-1)   # row-major flat positions, sorted
    h = torch.index_select(x.reshape(N * T, d), 0, rows)
    return h @ w_head
