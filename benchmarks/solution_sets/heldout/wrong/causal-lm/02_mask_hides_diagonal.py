"""MISTAKE: mask is triu(diagonal=0): each position is hidden from itself (finfo.min, so row 0 becomes uniform over all keys)
EXPECTED DIAGNOSIS: Causal means j <= i including the diagonal; masking the diagonal removes each token's own key and makes position 0 attend to everything (a future leak).
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
        s = s.masked_fill(torch.triu(torch.ones(T, T, dtype=torch.bool), 0), torch.finfo(s.dtype).min)
    s = s - s.max(dim=-1, keepdim=True).values
    p = s.exp()
    p = p / p.sum(dim=-1, keepdim=True)
    ctx = torch.einsum("nhij,njhe->nihe", p, v).reshape(N, T, d)
    x = x + ctx @ W[3]
    u = _ln(x) @ W[4]
    u = 0.5 * u * (1 + torch.tanh(math.sqrt(2 / math.pi) * (u + 0.044715 * u ** 3)))
    return x + u @ W[5]


def causal_lm_forward(input_ids: torch.Tensor, w_emb: torch.Tensor, pos_embed: torch.Tensor,
                      blocks_weights: torch.Tensor, num_heads: int) -> torch.Tensor:
    dtype = w_emb.dtype
    T = input_ids.shape[1]
    E = w_emb.double()
    x = E[input_ids] + pos_embed.double()[:T]
    for W in blocks_weights.double():
        x = _block(x, W, num_heads, causal=True)
    return torch.einsum("ntd,vd->ntv", _ln(x), E).to(dtype)
