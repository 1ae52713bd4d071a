"""
MISTAKE: Takes the scale from k.size(1) after the head split, which is num_heads rather than d_head, so scores are divided by sqrt(num_heads) (right only when num_heads = d_head).
EXPECTED DIAGNOSIS: Wrong attention scale: divides by sqrt(num_heads) (size of axis 1 of the split tensor) instead of sqrt(d_head).
"""

import math

import torch


def _split_heads(t, num_heads):
    # (N, T, d) -> (N, num_heads, T, d_head)
    N, T, d = t.shape
    return t.view(N, T, num_heads, d // num_heads).transpose(1, 2)


def multi_head_attention(x: torch.Tensor, w_q: torch.Tensor, w_k: torch.Tensor, w_v: torch.Tensor,
                         w_o: torch.Tensor, num_heads: int, causal: bool = False) -> torch.Tensor:
    """x: (N, T, d); w_q, w_k, w_v, w_o: (d, d) -> (N, T, d), same dtype as x."""
    N, T, d = x.shape
    d_head = d // num_heads
    q = _split_heads(x @ w_q, num_heads)
    k = _split_heads(x @ w_k, num_heads)
    v = _split_heads(x @ w_v, num_heads)

    scale = math.sqrt(k.size(1))
    scores = q @ k.transpose(-2, -1) / scale                  # (N, H, T, T)
    if causal:
        future = torch.triu(torch.ones(T, T, dtype=torch.bool, device=x.device), diagonal=1)
        scores = scores.masked_fill(future, float("-inf"))
    weights = torch.softmax(scores, dim=-1)
    out = weights @ v                                          # (N, H, T, d_head)
    out = out.transpose(1, 2).reshape(N, T, d)
    return out @ w_o
