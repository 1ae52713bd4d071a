"""
CORRECT: Everything in float64 with einsum (head as 'md,vd->mv' against w_emb), mask selection via torch.where indices, cast back to the weights' dtype.
"""

import math

import torch


def mlm_forward_tied(input_ids: torch.Tensor, w_emb: torch.Tensor, pos_embed: torch.Tensor,
                     blocks_weights: torch.Tensor, mask_indicator: torch.Tensor, num_heads: int) -> torch.Tensor:
    """input_ids (N, T) int64; w_emb (V, d); pos_embed (max_len, d); blocks_weights (num_blocks, 6, d, d);
    mask_indicator (N, T) of 0.0 / 1.0  ->  (M, V) logits at the masked positions."""
    E = w_emb.to(torch.float64)
    N, T = input_ids.shape
    d = E.shape[1]
    H = num_heads
    dh = d // H
    x = E[input_ids] + pos_embed[:T].to(torch.float64)
    for W in blocks_weights.to(torch.float64):
        m = x.mean(-1, keepdim=True)
        h = (x - m) / torch.sqrt(((x - m) ** 2).mean(-1, keepdim=True) + 1e-5)
        q, k, v = (torch.einsum('ntc,cd->ntd', h, W[j]).view(N, T, H, dh) for j in range(3))
        att = torch.einsum('nihc,njhc->nhij', q, k).div(math.sqrt(dh)).softmax(-1)
        x = x + torch.einsum('nhij,njhc->nihc', att, v).reshape(N, T, d) @ W[3]
        m = x.mean(-1, keepdim=True)
        h = (x - m) / torch.sqrt(((x - m) ** 2).mean(-1, keepdim=True) + 1e-5)
        u = h @ W[4]
        u = 0.5 * u * (1 + torch.tanh(math.sqrt(2 / math.pi) * (u + 0.044715 * u ** 3)))
        x = x + u @ W[5]
    n_idx, t_idx = torch.where(mask_indicator > 0.5)
    out = torch.einsum('md,vd->mv', x[n_idx, t_idx], E)
    return out.to(w_emb.dtype)
