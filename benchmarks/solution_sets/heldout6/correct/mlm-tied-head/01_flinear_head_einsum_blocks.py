"""
CORRECT: Einsum blocks with heads as an explicit index, boolean selection of masked rows, tied head via torch.nn.functional.linear(h, w_emb) (which computes h @ w_emb.T).
"""

import math

import torch
import torch.nn.functional as F


def _ln(t, eps=1e-5):
    mu = t.mean(-1, keepdim=True)
    return (t - mu) * torch.rsqrt((t - mu).pow(2).mean(-1, keepdim=True) + eps)


def _gelu(t):
    return 0.5 * t * (1.0 + torch.tanh(math.sqrt(2.0 / math.pi) * (t + 0.044715 * t.pow(3))))


def mlm_forward_tied(input_ids: torch.Tensor, w_emb: torch.Tensor, pos_embed: torch.Tensor,
                     blocks_weights: torch.Tensor, mask_indicator: torch.Tensor, num_heads: int) -> torch.Tensor:
    """input_ids (N, T) int64; w_emb (V, d); pos_embed (max_len, d); blocks_weights (num_blocks, 6, d, d);
    mask_indicator (N, T) of 0.0 / 1.0  ->  (M, V) logits at the masked positions."""
    N, T = input_ids.shape
    d = w_emb.shape[-1]
    c = d // num_heads
    x = F.embedding(input_ids, w_emb) + pos_embed[:T]
    for i in range(blocks_weights.shape[0]):
        w_q, w_k, w_v, w_o, w_1, w_2 = blocks_weights[i].unbind(0)
        a = _ln(x)
        q = torch.einsum("ntd,de->nte", a, w_q).view(N, T, num_heads, c)
        k = torch.einsum("ntd,de->nte", a, w_k).view(N, T, num_heads, c)
        v = torch.einsum("ntd,de->nte", a, w_v).view(N, T, num_heads, c)
        p = torch.softmax(torch.einsum("nihc,njhc->nhij", q, k) / math.sqrt(c), dim=-1)
        x = x + torch.einsum("nhij,njhc->nihc", p, v).reshape(N, T, d) @ w_o
        x = x + _gelu(_ln(x) @ w_1) @ w_2
    h = x[mask_indicator > 0.5]
    return F.linear(h, w_emb)
