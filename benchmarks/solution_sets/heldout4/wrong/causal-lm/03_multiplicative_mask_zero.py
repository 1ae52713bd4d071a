"""
MISTAKE: Applies the causal mask by multiplying the scores with a 0/1 lower-triangular matrix, so future scores become 0 (weight exp(0)) instead of -inf, and the future still leaks into the softmax.
EXPECTED DIAGNOSIS: Masked scores were set to 0, not -inf: a zero score still gets weight exp(0) and the future leaks; use masked_fill(~allowed, float('-inf')) before the softmax.
"""
import math

import torch


def layer_norm(x, eps=1e-5):
    m = x.mean(-1, keepdim=True)
    c = x - m
    return c / torch.sqrt(c.pow(2).mean(-1, keepdim=True) + eps)


def gelu(x):
    return x * torch.sigmoid(2 * math.sqrt(2 / math.pi) * (x + 0.044715 * x ** 3))


def attention(x, w_q, w_k, w_v, w_o, num_heads):
    N, T, d = x.shape
    dh = d // num_heads
    Q = (x @ w_q).view(N, T, num_heads, dh).permute(0, 2, 1, 3)
    K = (x @ w_k).view(N, T, num_heads, dh).permute(0, 2, 1, 3)
    V = (x @ w_v).view(N, T, num_heads, dh).permute(0, 2, 1, 3)
    lower = torch.tril(torch.ones(T, T, dtype=x.dtype))
    scores = (Q @ K.transpose(-1, -2)) / math.sqrt(dh) * lower
    P = torch.softmax(scores, dim=-1)
    return (P @ V).permute(0, 2, 1, 3).reshape(N, T, d) @ w_o


def causal_lm_forward(input_ids: torch.Tensor, w_emb: torch.Tensor, pos_embed: torch.Tensor,
                      blocks_weights: torch.Tensor, num_heads: int) -> torch.Tensor:
    """-> (N, T, V) logits."""
    T = input_ids.size(1)
    x = w_emb[input_ids] + pos_embed[:T]
    for W in blocks_weights:
        x = x + attention(layer_norm(x), *W[:4], num_heads)
        x = x + gelu(layer_norm(x) @ W[4]) @ W[5]
    x = layer_norm(x)
    return x @ w_emb.T
