"""
CORRECT: Loops over heads with explicit column slices `h*d_head:(h+1)*d_head`, concatenates along the last axis, then applies w_o.
"""
import math

import torch


def multi_head_attention(x: torch.Tensor, w_q: torch.Tensor, w_k: torch.Tensor, w_v: torch.Tensor,
                         w_o: torch.Tensor, num_heads: int, causal: bool = False) -> torch.Tensor:
    N, T, d = x.shape
    dh = d // num_heads
    q, k, v = x @ w_q, x @ w_k, x @ w_v
    bias = torch.zeros(T, T, dtype=x.dtype)
    if causal:
        bias = bias.masked_fill(torch.ones(T, T, dtype=torch.bool).triu(1), float("-inf"))
    outs = []
    for h in range(num_heads):
        cols = slice(h * dh, (h + 1) * dh)
        s = q[..., cols] @ k[..., cols].transpose(1, 2) / math.sqrt(dh) + bias
        outs.append(torch.softmax(s, dim=-1) @ v[..., cols])
    return torch.cat(outs, dim=-1) @ w_o
