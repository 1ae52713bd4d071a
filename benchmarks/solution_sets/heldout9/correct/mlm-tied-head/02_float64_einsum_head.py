"""CORRECT: float64 inside, masked positions gathered with torch.where on the mask (row-major), head as einsum('md,vd->mv'), cast back to the weights' dtype."""

import math

import torch


def _ln(x):
    mean = x.mean(-1, keepdim=True)
    var = ((x - mean) ** 2).mean(-1, keepdim=True)
    return (x - mean) / torch.sqrt(var + 1e-5)


def _mha(x, w, H):
    N, T, d = x.shape
    dh = d // H
    q, k, v = [(x @ w[j]).view(N, T, H, dh).transpose(1, 2) for j in range(3)]
    p = torch.softmax(q @ k.transpose(-2, -1) / math.sqrt(dh), -1)
    return (p @ v).transpose(1, 2).reshape(N, T, d) @ w[3]


def mlm_forward_tied(input_ids: torch.Tensor, w_emb: torch.Tensor, pos_embed: torch.Tensor,
                     blocks_weights: torch.Tensor, mask_indicator: torch.Tensor, num_heads: int) -> torch.Tensor:
    """(M, V) logits at the masked positions, head tied to w_emb."""
    out_dtype = w_emb.dtype
    emb = w_emb.double()
    T = input_ids.shape[1]
    x = emb[input_ids] + pos_embed[:T].double()
    for i in range(blocks_weights.shape[0]):
        w = blocks_weights[i].double()
        x = x + _mha(_ln(x), w, num_heads)
        z = _ln(x) @ w[4]
        x = x + (0.5 * z * (1 + torch.tanh(math.sqrt(2 / math.pi) * (z + 0.044715 * z ** 3)))) @ w[5]
    n_idx, t_idx = torch.where(mask_indicator > 0.5)
    h = x[n_idx, t_idx]
    return torch.einsum("md,vd->mv", h, emb).to(out_dtype)
