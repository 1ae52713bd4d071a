"""
MISTAKE: Splits the width as view(N, T, d_head, num_heads), so head h gets the strided columns h, h+H, h+2H, ... instead of the contiguous block h*d_head:(h+1)*d_head (and merges the same way).
EXPECTED DIAGNOSIS: Head split uses the wrong column layout (interleaved instead of contiguous blocks); head h must own columns h*d_head:(h+1)*d_head, i.e. view(N, T, num_heads, d_head).
"""

import math

import torch


def _split_heads(t, num_heads):
    # (N, T, d) -> (N, num_heads, T, d_head)
    N, T, d = t.shape
    return t.view(N, T, d // num_heads, num_heads).permute(0, 3, 1, 2)


def multi_head_attention(x: torch.Tensor, w_q: torch.Tensor, w_k: torch.Tensor, w_v: torch.Tensor,
                         w_o: torch.Tensor, num_heads: int, causal: bool = False) -> torch.Tensor:
    """x: (N, T, d); w_q, w_k, w_v, w_o: (d, d) -> (N, T, d), same dtype as x."""
    N, T, d = x.shape
    d_head = d // num_heads
    q = _split_heads(x @ w_q, num_heads)
    k = _split_heads(x @ w_k, num_heads)
    v = _split_heads(x @ w_v, num_heads)

    scores = q @ k.transpose(-2, -1) / math.sqrt(d_head)      # (N, H, T, T)
    if causal:
        future = torch.triu(torch.ones(T, T, dtype=torch.bool, device=x.device), diagonal=1)
        scores = scores.masked_fill(future, float("-inf"))
    weights = torch.softmax(scores, dim=-1)
    out = weights @ v                                          # (N, H, T, d_head)
    out = out.permute(0, 2, 3, 1).reshape(N, T, d)
    return out @ w_o
