"""WRONG: copy-paste slip: the values are projected with w_k (v = x @ w_k) instead of w_v; w_v is
never used. Mistake: every output is wrong (unless w_k == w_v); a good grader should say the values
are computed with the key matrix, so w_v has no effect on the output."""

import math

import torch


def multi_head_attention(x: torch.Tensor, w_q: torch.Tensor, w_k: torch.Tensor, w_v: torch.Tensor,
                         w_o: torch.Tensor, num_heads: int, causal: bool = False) -> torch.Tensor:
    """x: (N, T, d); w_q, w_k, w_v, w_o: (d, d) -> (N, T, d), same dtype as x."""
    N, T, d = x.shape
    d_head = d // num_heads
    q = x @ w_q
    k = x @ w_k
    v = x @ w_k
    q = q.view(N, T, num_heads, d_head).transpose(1, 2)
    k = k.view(N, T, num_heads, d_head).transpose(1, 2)
    v = v.view(N, T, num_heads, d_head).transpose(1, 2)
    scores = (q @ k.transpose(-2, -1)) / math.sqrt(d_head)
    if causal:
        allowed = torch.tril(torch.ones(T, T, dtype=torch.bool))
        scores = scores.masked_fill(~allowed, float("-inf"))
    weights = torch.softmax(scores, dim=-1)
    out = (weights @ v).transpose(1, 2).reshape(N, T, d)
    return out @ w_o
