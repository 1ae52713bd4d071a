"""MISTAKE: copy-paste slip: the keys are projected with `w_q` instead of `w_k` (`k = x @ w_q`),
    so the scores are q q^T; wrong for any w_k != w_q (right only when T = 1, where the single
    weight is 1).

EXPECTED DIAGNOSIS: Keys must use their own projection: `k = x @ w_k`.
"""

import math

import torch


def multi_head_attention(x: torch.Tensor, w_q: torch.Tensor, w_k: torch.Tensor, w_v: torch.Tensor,
                         w_o: torch.Tensor, num_heads: int, causal: bool = False) -> torch.Tensor:
    """x: (N, T, d); w_q, w_k, w_v, w_o: (d, d) -> (N, T, d), same dtype as x."""
    N, T, d = x.shape
    d_head = d // num_heads
    q = (x @ w_q).view(N, T, num_heads, d_head).transpose(1, 2)
    k = (x @ w_q).view(N, T, num_heads, d_head).transpose(1, 2)
    v = (x @ w_v).view(N, T, num_heads, d_head).transpose(1, 2)
    scores = q @ k.transpose(-2, -1) / math.sqrt(d_head)
    if causal:
        future = torch.ones(T, T, dtype=torch.bool, device=x.device).triu(1)
        scores = scores.masked_fill(future, float("-inf"))
    weights = torch.softmax(scores, dim=-1)
    out = (weights @ v).transpose(1, 2).reshape(N, T, d)
    return out @ w_o
