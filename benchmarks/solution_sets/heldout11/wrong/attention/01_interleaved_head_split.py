"""WRONG: splits heads with view(N, T, d_head, num_heads), so head h gets the strided columns h, h+H, h+2H, ... instead
of the contiguous block h*d_head:(h+1)*d_head (merged back the same way). Right only when num_heads is 1 or d. A good
grader should say the head split assigns interleaved columns to each head instead of contiguous blocks.
"""

import math

import torch

def multi_head_attention(x: torch.Tensor, w_q: torch.Tensor, w_k: torch.Tensor, w_v: torch.Tensor,
                         w_o: torch.Tensor, num_heads: int, causal: bool = False) -> torch.Tensor:
    """x: (N, T, d); w_q, w_k, w_v, w_o: (d, d) -> (N, T, d), same dtype as x."""
    N, T, d = x.shape
    dh = d // num_heads
    q = (x @ w_q).view(N, T, dh, num_heads).permute(0, 3, 1, 2)
    k = (x @ w_k).view(N, T, dh, num_heads).permute(0, 3, 1, 2)
    v = (x @ w_v).view(N, T, dh, num_heads).permute(0, 3, 1, 2)
    scores = q @ k.transpose(-2, -1) / math.sqrt(dh)
    if causal:
        future = torch.triu(torch.ones(T, T, dtype=torch.bool), diagonal=1)
        scores = scores.masked_fill(future, float("-inf"))
    weights = torch.softmax(scores, dim=-1)
    out = (weights @ v).permute(0, 2, 3, 1).reshape(N, T, d)
    return out @ w_o
