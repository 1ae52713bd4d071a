"""MISTAKE: applies blocks_weights[0] in every block iteration
EXPECTED DIAGNOSIS: Each block i has its own weights blocks_weights[i]; reusing block 0 is wrong whenever num_blocks > 1.
"""
import math

import torch


def _ln(t, eps=1e-5):
    mu = t.mean(-1, keepdim=True)
    return (t - mu) / torch.sqrt(((t - mu) ** 2).mean(-1, keepdim=True) + eps)


def _block(x, W, H, causal):
    N, T, d = x.shape
    dh = d // H
    h = _ln(x)
    q = torch.einsum("ntd,de->nte", h, W[0]).reshape(N, T, H, dh)
    k = torch.einsum("ntd,de->nte", h, W[1]).reshape(N, T, H, dh)
    v = torch.einsum("ntd,de->nte", h, W[2]).reshape(N, T, H, dh)
    s = torch.einsum("nihe,njhe->nhij", q, k) / math.sqrt(dh)
    if causal:
        s = s.masked_fill(torch.triu(torch.ones(T, T, dtype=torch.bool), 1), torch.finfo(s.dtype).min)
    s = s - s.max(dim=-1, keepdim=True).values
    p = s.exp()
    p = p / p.sum(dim=-1, keepdim=True)
    ctx = torch.einsum("nhij,njhe->nihe", p, v).reshape(N, T, d)
    x = x + ctx @ W[3]
    u = _ln(x) @ W[4]
    u = 0.5 * u * (1 + torch.tanh(math.sqrt(2 / math.pi) * (u + 0.044715 * u ** 3)))
    return x + u @ W[5]


def mlm_forward(input_ids: torch.Tensor, w_emb: torch.Tensor, pos_embed: torch.Tensor,
                blocks_weights: torch.Tensor, w_head: torch.Tensor, mask_indicator: torch.Tensor,
                num_heads: int) -> torch.Tensor:
    dtype = w_emb.dtype
    N, T = input_ids.shape
    x = w_emb.double()[input_ids] + pos_embed.double()[:T]
    for i in range(blocks_weights.shape[0]):
        x = _block(x, blocks_weights[0].double(), num_heads, causal=False)
    rows = []
    for n in range(N):
        for t in range(T):
            if mask_indicator[n, t] > 0.5:
                rows.append(x[n, t])
    if rows:
        h = torch.stack(rows)
    else:
        h = x.new_zeros(0, x.shape[-1])
    return (h @ w_head.double()).to(dtype)
