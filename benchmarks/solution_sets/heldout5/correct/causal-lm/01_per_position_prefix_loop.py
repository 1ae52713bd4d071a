"""
CORRECT: No mask tensor at all: attention is computed position by position over the prefix slice `:t + 1` (itself included), then ln_f and the tied head.
"""

import math

import torch


def _ln(x, eps=1e-5):
    mu = x.mean(-1, keepdim=True)
    return (x - mu) / torch.sqrt(((x - mu) ** 2).mean(-1, keepdim=True) + eps)


def _gelu(x):
    return 0.5 * x * (1 + torch.tanh(math.sqrt(2 / math.pi) * (x + 0.044715 * x ** 3)))


def _prefix_attention(h, W, H):
    N, T, d = h.shape
    dh = d // H
    q = (h @ W[0]).view(N, T, H, dh).transpose(1, 2)
    k = (h @ W[1]).view(N, T, H, dh).transpose(1, 2)
    v = (h @ W[2]).view(N, T, H, dh).transpose(1, 2)
    cols = []
    for t in range(T):
        s = q[:, :, t:t + 1] @ k[:, :, :t + 1].transpose(-1, -2) / math.sqrt(dh)
        cols.append(torch.softmax(s, dim=-1) @ v[:, :, :t + 1])
    o = torch.cat(cols, dim=2)
    return o.transpose(1, 2).reshape(N, T, d) @ W[3]


def causal_lm_forward(input_ids: torch.Tensor, w_emb: torch.Tensor, pos_embed: torch.Tensor,
                      blocks_weights: torch.Tensor, num_heads: int) -> torch.Tensor:
    """input_ids (N, T) int64; w_emb (V, d); pos_embed (max_len, d); blocks_weights (num_blocks, 6, d, d)
    ->  (N, T, V) logits."""
    T = input_ids.shape[1]
    x = w_emb[input_ids] + pos_embed[:T]
    for W in blocks_weights:
        x = x + _prefix_attention(_ln(x), W, num_heads)
        x = x + _gelu(_ln(x) @ W[4]) @ W[5]
    return _ln(x) @ w_emb.T
