"""
MISTAKE: Every projection uses `F.linear(h, w)`, which computes `h @ w.T` (nn.Linear's (out, in) convention), so all six weights are applied transposed although the contract right-multiplies (`h @ w`).
EXPECTED DIAGNOSIS: Weights applied transposed: the packed weights are right-multiplied (`h @ w_q`, ...); F.linear(h, w) is `h @ w.T`, so either use `@` or pass `w.T`.
"""

import math

import torch
import torch.nn.functional as F


def _ln(x, eps=1e-5):
    m = x.mean(dim=-1, keepdim=True)
    v = x.var(dim=-1, keepdim=True, unbiased=False)
    return (x - m) / torch.sqrt(v + eps)


def _gelu(x):
    return 0.5 * x * (1.0 + torch.tanh(0.7978845608028654 * (x + 0.044715 * x.pow(3))))


def _attn(h, w_q, w_k, w_v, w_o, H, causal):
    N, T, d = h.shape
    dh = d // H
    q = F.linear(h, w_q).view(N, T, H, dh).permute(0, 2, 1, 3)
    k = F.linear(h, w_k).view(N, T, H, dh).permute(0, 2, 1, 3)
    v = F.linear(h, w_v).view(N, T, H, dh).permute(0, 2, 1, 3)
    scores = torch.matmul(q, k.transpose(-1, -2)) / math.sqrt(dh)
    if causal:
        tri = torch.tril(torch.ones(T, T, dtype=torch.bool, device=h.device))
        scores = scores.masked_fill(~tri, float('-inf'))
    out = torch.matmul(scores.softmax(-1), v).permute(0, 2, 1, 3).reshape(N, T, d)
    return F.linear(out, w_o)


def pre_ln_block(x: torch.Tensor, block_weights: torch.Tensor, num_heads: int, causal: bool = False) -> torch.Tensor:
    """x: (N, T, d); block_weights: (6, d, d) -> (N, T, d), same dtype as x."""
    w_q, w_k, w_v, w_o, w1, w2 = block_weights.unbind(0)
    x = x + _attn(_ln(x), w_q, w_k, w_v, w_o, num_heads, causal)
    x = x + F.linear(_gelu(F.linear(_ln(x), w1)), w2)
    return x
