"""
CORRECT: Whole forward pass written with einsum (projections, attention, head), nonzero() indices for the row-major selection.
"""
import math

import torch


def _ln(x, eps=1e-5):
    mu = x.mean(-1, keepdim=True)
    var = (x - mu).pow(2).mean(-1, keepdim=True)
    return (x - mu) / torch.sqrt(var + eps)


def _gelu(x):
    return 0.5 * x * (1.0 + torch.tanh(math.sqrt(2.0 / math.pi) * (x + 0.044715 * x ** 3)))


def _block(x, W, nh):
    N, T, d = x.shape
    e = d // nh
    h = _ln(x)
    q = torch.einsum("ntd,df->ntf", h, W[0]).view(N, T, nh, e)
    k = torch.einsum("ntd,df->ntf", h, W[1]).view(N, T, nh, e)
    v = torch.einsum("ntd,df->ntf", h, W[2]).view(N, T, nh, e)
    a = torch.softmax(torch.einsum("nqhe,nkhe->nhqk", q, k) / math.sqrt(e), dim=-1)
    o = torch.einsum("nhqk,nkhe->nqhe", a, v).reshape(N, T, d)
    x = x + torch.einsum("ntd,df->ntf", o, W[3])
    m = _gelu(torch.einsum("ntd,df->ntf", _ln(x), W[4]))
    return x + torch.einsum("ntd,df->ntf", m, W[5])


def mlm_forward(input_ids: torch.Tensor, w_emb: torch.Tensor, pos_embed: torch.Tensor,
                blocks_weights: torch.Tensor, w_head: torch.Tensor, mask_indicator: torch.Tensor,
                num_heads: int) -> torch.Tensor:
    """input_ids (N, T) int64; ... -> (M, V) logits at the masked positions."""
    T = input_ids.shape[1]
    x = w_emb.index_select(0, input_ids.reshape(-1)).view(*input_ids.shape, -1) + pos_embed[:T]
    for b in range(blocks_weights.shape[0]):
        x = _block(x, blocks_weights[b], num_heads)
    idx = (mask_indicator > 0.5).nonzero(as_tuple=False)   # row-major order already
    h = x[idx[:, 0], idx[:, 1]]
    return torch.einsum("md,dv->mv", h, w_head)
