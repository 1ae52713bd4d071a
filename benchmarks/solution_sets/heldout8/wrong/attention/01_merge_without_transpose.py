"""
MISTAKE: Splits heads correctly (view + transpose) but merges them back with out.reshape(N, T, d) straight from (N, H, T, d_head), without transposing back, so rows and heads get scrambled (right only when num_heads = 1 or T = 1).
EXPECTED DIAGNOSIS: The heads are concatenated incorrectly: transpose (N, H, T, d_head) back to (N, T, H, d_head) before reshaping to (N, T, d).
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

    scores = q @ k.transpose(-2, -1) / math.sqrt(d_head)      # (N, H, T, T)
    if causal:
        future = torch.triu(torch.ones(T, T, dtype=torch.bool, device=x.device), diagonal=1)
        scores = scores.masked_fill(future, float("-inf"))
    weights = torch.softmax(scores, dim=-1)
    out = weights @ v                                          # (N, H, T, d_head)
    out = out.reshape(N, T, d)
    return out @ w_o
