"""MISTAKE: divides the scores by sqrt(d_model) instead of sqrt(d_head)
EXPECTED DIAGNOSIS: The scale is sqrt(d_head), the size of one head's dot product; sqrt(d) over-smooths the softmax whenever num_heads > 1.
"""
import math

import torch


def multi_head_attention(x: torch.Tensor, w_q: torch.Tensor, w_k: torch.Tensor, w_v: torch.Tensor,
                         w_o: torch.Tensor, num_heads: int, causal: bool = False) -> torch.Tensor:
    N, T, d = x.shape
    d_head = d // num_heads
    q = (x @ w_q).view(N, T, num_heads, d_head).transpose(1, 2)
    k = (x @ w_k).view(N, T, num_heads, d_head).transpose(1, 2)
    v = (x @ w_v).view(N, T, num_heads, d_head).transpose(1, 2)
    scores = q @ k.transpose(-2, -1) / math.sqrt(d)
    if causal:
        future = torch.triu(torch.ones(T, T, dtype=torch.bool, device=x.device), diagonal=1)
        scores = scores.masked_fill(future, float("-inf"))
    weights = torch.softmax(scores, dim=-1)
    out = (weights @ v).transpose(1, 2).reshape(N, T, d)
    return out @ w_o
