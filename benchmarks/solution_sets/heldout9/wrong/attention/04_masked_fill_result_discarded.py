"""MISTAKE: calls `scores.masked_fill(future, -inf)` without assigning the result (masked_fill is
    out of place), so the causal mask is never applied; causal calls with T > 1 return the
    bidirectional output.

EXPECTED DIAGNOSIS: `masked_fill` returns a new tensor: assign it (`scores =
    scores.masked_fill(...)`) or use the in-place `masked_fill_`.
"""

import math

import torch


def multi_head_attention(x: torch.Tensor, w_q: torch.Tensor, w_k: torch.Tensor, w_v: torch.Tensor,
                         w_o: torch.Tensor, num_heads: int, causal: bool = False) -> torch.Tensor:
    """x: (N, T, d); w_q, w_k, w_v, w_o: (d, d) -> (N, T, d), same dtype as x."""
    N, T, d = x.shape
    d_head = d // num_heads
    q = (x @ w_q).view(N, T, num_heads, d_head).transpose(1, 2)
    k = (x @ w_k).view(N, T, num_heads, d_head).transpose(1, 2)
    v = (x @ w_v).view(N, T, num_heads, d_head).transpose(1, 2)
    scores = q @ k.transpose(-2, -1) / math.sqrt(d_head)
    if causal:
        future = torch.ones(T, T, dtype=torch.bool, device=x.device).triu(1)
        scores.masked_fill(future, float("-inf"))
    weights = torch.softmax(scores, dim=-1)
    out = (weights @ v).transpose(1, 2).reshape(N, T, d)
    return out @ w_o
