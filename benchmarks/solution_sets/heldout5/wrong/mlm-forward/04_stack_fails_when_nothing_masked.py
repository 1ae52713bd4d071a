"""
MISTAKE: The masked rows are gathered with a Python loop and `torch.stack(rows)`, which raises on an empty list, so the "nothing masked" case crashes instead of returning an empty (0, V) tensor.
EXPECTED DIAGNOSIS: Crashes when nothing is masked: `torch.stack([])` fails; select with a boolean index (`x[mask_indicator > 0.5]`, which gives (0, d)) or handle M = 0 and return a (0, V) tensor of the weights' dtype.
"""

import math

import torch


def _norm(x, eps=1e-5):
    mean = x.mean(dim=-1, keepdim=True)
    var = ((x - mean) ** 2).mean(dim=-1, keepdim=True)
    return (x - mean) / torch.sqrt(var + eps)


def _gelu(x):
    return 0.5 * x * (1.0 + torch.tanh(0.7978845608028654 * (x + 0.044715 * x ** 3)))


def _block(x, W, H):
    N, T, d = x.shape
    dh = d // H
    h = _norm(x)
    q = torch.einsum('ntd,de->nte', h, W[0]).view(N, T, H, dh)
    k = torch.einsum('ntd,de->nte', h, W[1]).view(N, T, H, dh)
    v = torch.einsum('ntd,de->nte', h, W[2]).view(N, T, H, dh)
    p = torch.softmax(torch.einsum('nqhe,nkhe->nhqk', q, k) / math.sqrt(dh), dim=-1)
    ctx = torch.einsum('nhqk,nkhe->nqhe', p, v).reshape(N, T, d)
    x = x + ctx @ W[3]
    return x + _gelu(_norm(x) @ W[4]) @ W[5]


def mlm_forward(input_ids: torch.Tensor, w_emb: torch.Tensor, pos_embed: torch.Tensor,
                blocks_weights: torch.Tensor, w_head: torch.Tensor, mask_indicator: torch.Tensor,
                num_heads: int) -> torch.Tensor:
    """input_ids (N, T) int64; w_emb (V, d); pos_embed (max_len, d); blocks_weights (num_blocks, 6, d, d);
    w_head (d, V); mask_indicator (N, T) of 0.0 / 1.0  ->  (M, V) logits at the masked positions."""
    N, T = input_ids.shape
    x = w_emb[input_ids] + pos_embed[:T]
    for W in blocks_weights:
        x = _block(x, W, num_heads)
    rows = []
    for n in range(N):
        for t in range(T):
            if mask_indicator[n, t] > 0.5:
                rows.append(x[n, t])
    h = torch.stack(rows)
    return h @ w_head
