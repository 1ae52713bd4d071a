"""
CORRECT: Heads handled with an explicit loop, masked rows gathered by (n, t) loops in row-major order, with the empty case returned as a (0, V) tensor of the weights' dtype.
"""

import math

import torch


def _ln(x, eps=1e-5):
    mu = x.mean(-1, keepdim=True)
    return (x - mu) / torch.sqrt((x - mu).pow(2).mean(-1, keepdim=True) + eps)


def _gelu(x):
    return 0.5 * x * (1.0 + torch.tanh(math.sqrt(2.0 / math.pi) * (x + 0.044715 * x * x * x)))


def _attn(h, wq, wk, wv, wo, H):
    N, T, d = h.shape
    dh = d // H
    q, k, v = h @ wq, h @ wk, h @ wv
    heads = []
    for i in range(H):
        c = slice(i * dh, (i + 1) * dh)
        s = q[..., c] @ k[..., c].transpose(-1, -2) / math.sqrt(dh)
        heads.append(torch.softmax(s, -1) @ v[..., c])
    return torch.cat(heads, -1) @ wo


def mlm_forward(input_ids: torch.Tensor, w_emb: torch.Tensor, pos_embed: torch.Tensor,
                blocks_weights: torch.Tensor, w_head: torch.Tensor, mask_indicator: torch.Tensor,
                num_heads: int) -> torch.Tensor:
    """input_ids (N, T) int64; w_emb (V, d); pos_embed (max_len, d); blocks_weights (num_blocks, 6, d, d);
    w_head (d, V); mask_indicator (N, T) of 0.0 / 1.0  ->  (M, V) logits at the masked positions."""
    N, T = input_ids.shape
    x = w_emb[input_ids] + pos_embed[:T]
    for b in range(blocks_weights.shape[0]):
        wq, wk, wv, wo, w1, w2 = blocks_weights[b]
        x = x + _attn(_ln(x), wq, wk, wv, wo, num_heads)
        x = x + _gelu(_ln(x) @ w1) @ w2
    rows = [x[n, t] for n in range(N) for t in range(T) if float(mask_indicator[n, t]) > 0.5]
    if not rows:
        return torch.zeros(0, w_head.shape[1], dtype=w_head.dtype, device=w_head.device)
    return torch.stack(rows) @ w_head
