"""
CORRECT: Whole model in float64 with einsum, masked rows selected from the flattened (N*T, d) view with a flattened boolean mask (row-major), head applied after selection, cast back.
"""

import math

import torch


def mlm_forward(input_ids: torch.Tensor, w_emb: torch.Tensor, pos_embed: torch.Tensor,
                blocks_weights: torch.Tensor, w_head: torch.Tensor, mask_indicator: torch.Tensor,
                num_heads: int) -> torch.Tensor:
    """input_ids (N, T) int64; w_emb (V, d); pos_embed (max_len, d); blocks_weights (num_blocks, 6, d, d);
    w_head (d, V); mask_indicator (N, T) of 0.0 / 1.0  ->  (M, V) logits at the masked positions."""
    dt = w_emb.dtype
    E = w_emb.double()
    P = pos_embed.double()
    B = blocks_weights.double()
    N, T = input_ids.shape
    d = E.shape[1]
    c = d // num_heads

    def ln(t):
        mu = t.mean(-1, keepdim=True)
        var = (t - mu).square().mean(-1, keepdim=True)
        return (t - mu) / torch.sqrt(var + 1e-5)

    x = E.index_select(0, input_ids.reshape(-1)).view(N, T, d) + P[:T][None]
    for W in B:
        a = ln(x)
        q = torch.einsum("ntd,de->nte", a, W[0]).view(N, T, num_heads, c)
        k = torch.einsum("ntd,de->nte", a, W[1]).view(N, T, num_heads, c)
        v = torch.einsum("ntd,de->nte", a, W[2]).view(N, T, num_heads, c)
        att = torch.softmax(torch.einsum("nqhc,nkhc->nhqk", q, k) / math.sqrt(c), dim=-1)
        o = torch.einsum("nhqk,nkhc->nqhc", att, v).reshape(N, T, d)
        x = x + o @ W[3]
        u = ln(x) @ W[4]
        u = 0.5 * u * (1.0 + torch.tanh(math.sqrt(2.0 / math.pi) * (u + 0.044715 * u ** 3)))
        x = x + u @ W[5]
    flat = x.reshape(N * T, d)
    picked = flat[mask_indicator.reshape(-1) > 0.5]
    return (picked @ w_head.double()).to(dt)
