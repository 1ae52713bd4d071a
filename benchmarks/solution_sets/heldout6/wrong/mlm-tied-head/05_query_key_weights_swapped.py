"""
MISTAKE: Unpacks each block as w_k, w_q, w_v, ... (keys before queries), so queries are projected with w_k and keys with w_q and every attention score matrix is transposed.
EXPECTED DIAGNOSIS: Query and key weights swapped: blocks_weights[i, 0] is w_q and [i, 1] is w_k; with them swapped the score matrix is transposed (T = 1 hides it).
"""

import math

import torch


def mlm_forward_tied(input_ids: torch.Tensor, w_emb: torch.Tensor, pos_embed: torch.Tensor,
                     blocks_weights: torch.Tensor, mask_indicator: torch.Tensor, num_heads: int) -> torch.Tensor:
    """input_ids (N, T) int64; w_emb (V, d); pos_embed (max_len, d); blocks_weights (num_blocks, 6, d, d);
    mask_indicator (N, T) of 0.0 / 1.0  ->  (M, V) logits at the masked positions."""
    N, T = input_ids.shape
    d = w_emb.shape[1]
    H = num_heads
    c = d // H
    x = w_emb[input_ids] + pos_embed[:T]
    for blk in blocks_weights:
        w_k, w_q, w_v, w_o, w_1, w_2 = blk
        mu = x.mean(-1, keepdim=True)
        h = (x - mu) / torch.sqrt(((x - mu) ** 2).mean(-1, keepdim=True) + 1e-5)
        q = torch.einsum("ntd,de->nte", h, w_q).view(N, T, H, c)
        k = torch.einsum("ntd,de->nte", h, w_k).view(N, T, H, c)
        v = torch.einsum("ntd,de->nte", h, w_v).view(N, T, H, c)
        a = torch.softmax(torch.einsum("nihc,njhc->nhij", q, k) / math.sqrt(c), dim=-1)
        x = x + torch.einsum("nhij,njhc->nihc", a, v).reshape(N, T, d) @ w_o
        mu = x.mean(-1, keepdim=True)
        h = (x - mu) / torch.sqrt(((x - mu) ** 2).mean(-1, keepdim=True) + 1e-5)
        u = h @ w_1
        x = x + 0.5 * u * (1 + torch.tanh(math.sqrt(2 / math.pi) * (u + 0.044715 * u ** 3))) @ w_2
    return torch.einsum("md,vd->mv", x[mask_indicator > 0.5], w_emb)
