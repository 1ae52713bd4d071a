"""
CORRECT: float64 internally, einsum attention, masked rows gathered by flat indices, head as einsum 'md,vd->mv' against the embedding rows.
"""
import math

import torch


def _ln(x, eps=1e-5):
    d = x.shape[-1]
    m = x.sum(-1, keepdim=True) / d
    v = ((x - m) ** 2).sum(-1, keepdim=True) / d
    return (x - m) / torch.sqrt(v + eps)


def _gelu(x):
    return 0.5 * x * (1.0 + torch.tanh(math.sqrt(2.0 / math.pi) * (x + 0.044715 * x * x * x)))


def mlm_forward_tied(input_ids: torch.Tensor, w_emb: torch.Tensor, pos_embed: torch.Tensor,
                     blocks_weights: torch.Tensor, mask_indicator: torch.Tensor, num_heads: int) -> torch.Tensor:
    """-> (M, V) logits at the masked positions."""
    out_dtype = w_emb.dtype
    E = w_emb.to(torch.float64)
    P = pos_embed.to(torch.float64)
    B = blocks_weights.to(torch.float64)
    N, T = input_ids.shape
    d = E.shape[1]
    e = d // num_heads
    x = E[input_ids] + P[:T]
    for i in range(B.shape[0]):
        h = _ln(x)
        q = torch.einsum("ntd,de->nte", h, B[i, 0]).view(N, T, num_heads, e)
        k = torch.einsum("ntd,de->nte", h, B[i, 1]).view(N, T, num_heads, e)
        v = torch.einsum("ntd,de->nte", h, B[i, 2]).view(N, T, num_heads, e)
        a = torch.softmax(torch.einsum("nqhe,nkhe->nhqk", q, k) / math.sqrt(e), dim=-1)
        x = x + torch.einsum("nqhe,hef->nqf", torch.einsum("nhqk,nkhe->nqhe", a, v),
                             B[i, 3].view(num_heads, e, d))
        x = x + _gelu(_ln(x) @ B[i, 4]) @ B[i, 5]
    flat = torch.arange(N * T).view(N, T)[mask_indicator > 0.5]
    h = x.reshape(N * T, d)[flat]
    return torch.einsum("md,vd->mv", h, E).to(out_dtype)
