"""
MISTAKE: To save a division, the 1/sqrt(d_head) scale is folded into the query weight in place (`w_q.mul_(scale)`), but `w_q = block_weights[0]` is a view, so the caller's block_weights is modified (and a second call with the same weights gives a different result).
EXPECTED DIAGNOSIS: An input was changed in place: `block_weights[0]` is a view of the caller's tensor, so `w_q.mul_(...)` rescales their weights; scale the scores (or a copy `w_q * scale`) instead.
"""

import math

import torch


def layer_norm(x: torch.Tensor, eps: float = 1e-5) -> torch.Tensor:
    mu = x.mean(dim=-1, keepdim=True)
    var = x.var(dim=-1, keepdim=True, correction=0)
    return (x - mu) * torch.rsqrt(var + eps)


def gelu(x: torch.Tensor) -> torch.Tensor:
    return x * torch.sigmoid(2.0 * math.sqrt(2.0 / math.pi) * (x + 0.044715 * x ** 3))


def pre_ln_block(x: torch.Tensor, block_weights: torch.Tensor, num_heads: int, causal: bool = False) -> torch.Tensor:
    """x: (N, T, d); block_weights: (6, d, d) -> (N, T, d), same dtype as x."""
    w_q, w_k, w_v, w_o, w_mlp1, w_mlp2 = block_weights[0], block_weights[1], block_weights[2], \
        block_weights[3], block_weights[4], block_weights[5]
    N, T, d = x.shape
    dh = d // num_heads
    w_q.mul_(1.0 / math.sqrt(dh))          # pre-scale the queries once

    h = layer_norm(x)
    q = (h @ w_q).view(N, T, num_heads, dh).transpose(1, 2)
    k = (h @ w_k).view(N, T, num_heads, dh).transpose(1, 2)
    v = (h @ w_v).view(N, T, num_heads, dh).transpose(1, 2)
    scores = q @ k.transpose(-2, -1)
    if causal:
        scores = scores.masked_fill(~torch.ones(T, T, dtype=torch.bool, device=x.device).tril(), float("-inf"))
    ctx = (scores.softmax(dim=-1) @ v).transpose(1, 2).reshape(N, T, d)
    x = x + ctx @ w_o
    x = x + gelu(layer_norm(x) @ w_mlp1) @ w_mlp2
    return x
