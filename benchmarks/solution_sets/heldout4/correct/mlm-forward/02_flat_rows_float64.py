"""
CORRECT: Computes in float64 on a flattened (N*T, d) residual stream with a per-sequence, per-head loop for attention, selects with a flat boolean mask, casts back.
"""
import math

import torch


def _ln(x, eps=1e-5):
    var, mean = torch.var_mean(x, dim=-1, correction=0, keepdim=True)
    return (x - mean) / torch.sqrt(var + eps)


def _gelu(x):
    return x * torch.sigmoid(2.0 * math.sqrt(2.0 / math.pi) * (x + 0.044715 * x ** 3))


def mlm_forward(input_ids: torch.Tensor, w_emb: torch.Tensor, pos_embed: torch.Tensor,
                blocks_weights: torch.Tensor, w_head: torch.Tensor, mask_indicator: torch.Tensor,
                num_heads: int) -> torch.Tensor:
    """input_ids (N, T) int64; ... -> (M, V) logits at the masked positions."""
    dt = w_emb.dtype
    N, T = input_ids.shape
    E = w_emb.double()
    d = E.shape[1]
    dh = d // num_heads
    x = (E[input_ids] + pos_embed[:T].double()).reshape(N * T, d)
    for W in blocks_weights.double():
        h = _ln(x)
        Q, K, V = h @ W[0], h @ W[1], h @ W[2]
        att = torch.empty_like(x)
        for n in range(N):
            r = slice(n * T, (n + 1) * T)
            for hh in range(num_heads):
                c = slice(hh * dh, (hh + 1) * dh)
                s = Q[r, c] @ K[r, c].T / math.sqrt(dh)
                att[r, c] = torch.softmax(s, dim=-1) @ V[r, c]
        x = x + att @ W[3]
        x = x + _gelu(_ln(x) @ W[4]) @ W[5]
    keep = (mask_indicator > 0.5).reshape(-1)
    return (x[keep] @ w_head.double()).to(dt)
