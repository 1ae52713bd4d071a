"""CORRECT: loops over heads with column slices, computes everything in float64 with a hand-written stable softmax
(max subtraction, exp, divide), concatenates the heads in order, applies w_o and casts back to x.dtype.
"""

import math

import torch

def multi_head_attention(x: torch.Tensor, w_q: torch.Tensor, w_k: torch.Tensor, w_v: torch.Tensor,
                         w_o: torch.Tensor, num_heads: int, causal: bool = False) -> torch.Tensor:
    """x: (N, T, d); w_q, w_k, w_v, w_o: (d, d) -> (N, T, d), same dtype as x."""
    dt = x.dtype
    x64 = x.double()
    N, T, d = x.shape
    dh = d // num_heads
    q, k, v = x64 @ w_q.double(), x64 @ w_k.double(), x64 @ w_v.double()
    heads = []
    for h in range(num_heads):
        cols = slice(h * dh, (h + 1) * dh)
        s = q[:, :, cols] @ k[:, :, cols].transpose(1, 2) / dh ** 0.5
        if causal:
            for i in range(T):
                s[:, i, i + 1:] = float("-inf")
        s = s - s.max(dim=-1, keepdim=True).values
        e = torch.exp(s)
        heads.append((e / e.sum(dim=-1, keepdim=True)) @ v[:, :, cols])
    return (torch.cat(heads, dim=-1) @ w_o.double()).to(dt)
