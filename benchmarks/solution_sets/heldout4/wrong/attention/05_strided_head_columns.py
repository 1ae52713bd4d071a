"""
MISTAKE: In the per-head loop, head h takes the strided columns h::num_heads instead of the contiguous block h*d_head:(h+1)*d_head (and writes its output back the same strided way).
EXPECTED DIAGNOSIS: Head h must own the contiguous columns h*d_head:(h+1)*d_head of q, k and v (q.view(N, T, h, d_head)); your heads take every num_heads-th column, so they group different features.
"""
import math

import torch


def multi_head_attention(x: torch.Tensor, w_q: torch.Tensor, w_k: torch.Tensor, w_v: torch.Tensor,
                         w_o: torch.Tensor, num_heads: int, causal: bool = False) -> torch.Tensor:
    """x: (N, T, d); w_q, w_k, w_v, w_o: (d, d) -> (N, T, d), same dtype as x."""
    N, T, d = x.shape
    d_head = d // num_heads
    q_all = x @ w_q
    k_all = x @ w_k
    v_all = x @ w_v
    concat = torch.zeros_like(q_all)
    for h in range(num_heads):
        cols = slice(h, d, num_heads)
        q = q_all[:, :, cols]
        k = k_all[:, :, cols]
        v = v_all[:, :, cols]
        scores = q @ k.transpose(1, 2) / math.sqrt(d_head)
        if causal:
            mask = torch.ones(T, T, dtype=torch.bool).triu(1)
            scores = scores.masked_fill(mask, float("-inf"))
        weights = torch.softmax(scores, dim=-1)
        concat[:, :, cols] = weights @ v
    return concat @ w_o
