"""CORRECT: float64 inside; causality by construction: a Python loop over query positions attends to keys[:t + 1] only (no mask tensor); cast back at the end."""

import math

import torch


def _ln(x):
    var, mean = torch.var_mean(x, dim=-1, correction=0, keepdim=True)
    return (x - mean) / torch.sqrt(var + 1e-5)


def _gelu(x):
    return x * torch.sigmoid(2 * math.sqrt(2 / math.pi) * (x + 0.044715 * x ** 3))


def _causal_attention(h, w_q, w_k, w_v, w_o, H):
    N, T, d = h.shape
    dh = d // H
    q = (h @ w_q).view(N, T, H, dh).transpose(1, 2)
    k = (h @ w_k).view(N, T, H, dh).transpose(1, 2)
    v = (h @ w_v).view(N, T, H, dh).transpose(1, 2)
    rows = []
    for t in range(T):
        s = (q[:, :, t:t + 1] @ k[:, :, :t + 1].transpose(-1, -2)) / math.sqrt(dh)   # (N, H, 1, t+1)
        rows.append(torch.softmax(s, dim=-1) @ v[:, :, :t + 1])                      # (N, H, 1, dh)
    o = torch.cat(rows, dim=2).transpose(1, 2).reshape(N, T, d)
    return o @ w_o


def causal_lm_forward(input_ids: torch.Tensor, w_emb: torch.Tensor, pos_embed: torch.Tensor,
                      blocks_weights: torch.Tensor, num_heads: int) -> torch.Tensor:
    """(N, T, V) logits."""
    T = input_ids.shape[1]
    emb = w_emb.double()
    x = emb[input_ids] + pos_embed[:T].double()
    for i in range(blocks_weights.shape[0]):
        w = blocks_weights[i].double()
        x = x + _causal_attention(_ln(x), w[0], w[1], w[2], w[3], num_heads)
        x = x + _gelu(_ln(x) @ w[4]) @ w[5]
    return (_ln(x) @ emb.T).to(w_emb.dtype)
