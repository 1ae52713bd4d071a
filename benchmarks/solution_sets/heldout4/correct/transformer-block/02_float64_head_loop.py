"""
CORRECT: Whole block computed in float64 with an explicit loop over heads and an additive causal bias, then cast back to the input dtype.
"""
import math

import torch


def _ln(x, eps=1e-5):
    d = x.shape[-1]
    m = x.sum(-1, keepdim=True) / d
    c = x - m
    return c / torch.sqrt((c * c).sum(-1, keepdim=True) / d + eps)


def _gelu(x):
    return 0.5 * x * (1.0 + torch.tanh(math.sqrt(2.0 / math.pi) * x * (1.0 + 0.044715 * x * x)))


def _attn(h, wq, wk, wv, wo, nh, causal):
    N, T, d = h.shape
    dh = d // nh
    Q, K, V = h @ wq, h @ wk, h @ wv
    bias = torch.zeros(T, T, dtype=h.dtype)
    if causal:
        bias = bias.masked_fill(torch.ones(T, T, dtype=torch.bool).triu(1), float("-inf"))
    parts = []
    for i in range(nh):
        c = slice(i * dh, (i + 1) * dh)
        s = torch.bmm(Q[..., c], K[..., c].transpose(1, 2)) / math.sqrt(dh) + bias
        parts.append(torch.bmm(torch.softmax(s, dim=-1), V[..., c]))
    return torch.cat(parts, -1) @ wo


def pre_ln_block(x: torch.Tensor, block_weights: torch.Tensor, num_heads: int, causal: bool = False) -> torch.Tensor:
    """x: (N, T, d); block_weights: (6, d, d) -> (N, T, d), same dtype as x."""
    dt = x.dtype
    r = x.double()
    W = block_weights.double()
    r = r + _attn(_ln(r), W[0], W[1], W[2], W[3], num_heads, causal)
    r = r + _gelu(_ln(r) @ W[4]) @ W[5]
    return r.to(dt)
