"""
MISTAKE: Applies the causal mask by multiplying the scores by a 0/1 lower triangle (NumPy habit), so future scores become 0 and still get weight exp(0) in the softmax instead of being set to -inf.
EXPECTED DIAGNOSIS: Masked scores set to 0 instead of -inf: future positions still receive attention weight, so positions see the future (causality check fails); use masked_fill(~allowed, -inf) before the softmax.
"""

import math

import torch


def _layer_norm(x, eps=1e-5):
    mu = x.mean(-1, keepdim=True)
    return (x - mu) / torch.sqrt(((x - mu) ** 2).mean(-1, keepdim=True) + eps)


def _gelu(x):
    return 0.5 * x * (1.0 + torch.tanh(math.sqrt(2.0 / math.pi) * (x + 0.044715 * x ** 3)))


def _causal_attention(x, w_q, w_k, w_v, w_o, H):
    N, T, d = x.shape
    c = d // H
    q = (x @ w_q).reshape(N, T, H, c).permute(0, 2, 1, 3)
    k = (x @ w_k).reshape(N, T, H, c).permute(0, 2, 1, 3)
    v = (x @ w_v).reshape(N, T, H, c).permute(0, 2, 1, 3)
    scores = q @ k.transpose(-1, -2) / math.sqrt(c)
    lower = torch.tril(torch.ones(T, T, dtype=x.dtype))
    scores = scores * lower                      # keep only j <= i
    w = torch.softmax(scores, dim=-1)
    return (w @ v).permute(0, 2, 1, 3).reshape(N, T, d) @ w_o


def causal_lm_forward(input_ids: torch.Tensor, w_emb: torch.Tensor, pos_embed: torch.Tensor,
                      blocks_weights: torch.Tensor, num_heads: int) -> torch.Tensor:
    """input_ids (N, T) int64; w_emb (V, d); pos_embed (max_len, d); blocks_weights (num_blocks, 6, d, d)
    ->  (N, T, V) logits."""
    N, T = input_ids.shape
    x = w_emb[input_ids] + pos_embed[:T]
    for b in range(blocks_weights.shape[0]):
        w_q, w_k, w_v, w_o, w1, w2 = blocks_weights[b]
        x = x + _causal_attention(_layer_norm(x), w_q, w_k, w_v, w_o, num_heads)
        x = x + _gelu(_layer_norm(x) @ w1) @ w2
    return _layer_norm(x) @ w_emb.T
