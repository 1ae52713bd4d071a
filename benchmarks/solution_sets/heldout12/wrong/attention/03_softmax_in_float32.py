"""WRONG attention: casts the scores to float32 before the softmax ("mixed-precision habit") and casts the
weights back to x's dtype.
Mistake: float64 inputs keep their dtype but lose precision (~1e-7 relative, beyond the float64 tolerance);
a good grader should say float64 must be computed in float64 throughout.
"""

import math

import torch


def multi_head_attention(x: torch.Tensor, w_q: torch.Tensor, w_k: torch.Tensor, w_v: torch.Tensor,
                         w_o: torch.Tensor, num_heads: int, causal: bool = False) -> torch.Tensor:
    N, T, d = x.shape
    dh = d // num_heads
    q = (x @ w_q).view(N, T, num_heads, dh).transpose(1, 2)
    k = (x @ w_k).view(N, T, num_heads, dh).transpose(1, 2)
    v = (x @ w_v).view(N, T, num_heads, dh).transpose(1, 2)
    scores = q @ k.transpose(-2, -1) / math.sqrt(dh)
    if causal:
        mask = torch.triu(torch.ones(T, T, dtype=torch.bool, device=x.device), diagonal=1)
        scores = scores.masked_fill(mask, float("-inf"))
    weights = torch.softmax(scores.float(), dim=-1).to(x.dtype)
    out = (weights @ v).transpose(1, 2).reshape(N, T, d)
    return out @ w_o
