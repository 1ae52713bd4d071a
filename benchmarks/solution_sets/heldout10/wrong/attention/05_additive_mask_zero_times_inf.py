"""WRONG: builds the additive causal mask as torch.triu(torch.ones(T, T), 1) * float('-inf').
Mistake: 0 * -inf is NaN, so every allowed (lower-triangle and diagonal) score becomes NaN and every
causal output is NaN (even T = 1); bidirectional calls are right. A good grader should say the causal
output is all NaN because the mask multiplies zeros by -inf."""

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
        mask = torch.triu(torch.ones(T, T, dtype=x.dtype), diagonal=1) * float("-inf")
        scores = scores + mask
    out = torch.softmax(scores, dim=-1) @ v
    return out.transpose(1, 2).reshape(N, T, d) @ w_o
