"""
CORRECT: Module-style helpers, embedding via F.embedding, and the tied head via F.linear(h, w_emb) (which computes h @ w_emb.T).
"""
import math

import torch
import torch.nn.functional as F


def _ln(x, eps=1e-5):
    mu = x.mean(-1, keepdim=True)
    return (x - mu) / torch.sqrt((x - mu).pow(2).mean(-1, keepdim=True) + eps)


def _gelu(x):
    return 0.5 * x * (1.0 + torch.tanh(math.sqrt(2.0 / math.pi) * (x + 0.044715 * x ** 3)))


def _attn(x, wq, wk, wv, wo, nh):
    N, T, d = x.shape
    e = d // nh
    q, k, v = (t.view(N, T, nh, e).transpose(1, 2) for t in (x @ wq, x @ wk, x @ wv))
    a = torch.softmax(q @ k.transpose(-2, -1) / math.sqrt(e), dim=-1)
    return (a @ v).transpose(1, 2).reshape(N, T, d) @ wo


def mlm_forward_tied(input_ids: torch.Tensor, w_emb: torch.Tensor, pos_embed: torch.Tensor,
                     blocks_weights: torch.Tensor, mask_indicator: torch.Tensor, num_heads: int) -> torch.Tensor:
    """-> (M, V) logits at the masked positions."""
    T = input_ids.shape[1]
    x = F.embedding(input_ids, w_emb) + pos_embed[:T]
    for W in blocks_weights.unbind(0):
        x = x + _attn(_ln(x), W[0], W[1], W[2], W[3], num_heads)
        x = x + _gelu(_ln(x) @ W[4]) @ W[5]
    return F.linear(x[mask_indicator > 0.5], w_emb)
