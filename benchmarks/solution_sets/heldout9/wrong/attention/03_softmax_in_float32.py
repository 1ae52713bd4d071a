"""MISTAKE: computes the softmax on `scores.float()` and casts back, so float64 inputs get
    float32-precision weights (~1e-7 relative error); dtype is preserved, float32 cases pass,
    float64 cases miss the 1e-8 tolerance.

EXPECTED DIAGNOSIS: Don't downcast inside: run the softmax in the scores' own dtype so float64
    keeps its precision.
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
        scores = scores.masked_fill(future, float("-inf"))
    weights = torch.softmax(scores.float(), dim=-1).to(scores.dtype)
    out = (weights @ v).transpose(1, 2).reshape(N, T, d)
    return out @ w_o
