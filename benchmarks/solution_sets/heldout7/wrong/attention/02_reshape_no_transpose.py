"""
MISTAKE: Splits heads with `reshape(N, num_heads, T, d_head)` directly on the (N, T, d) projection (and merges back with a plain reshape), so heads mix positions and columns instead of head h owning columns h*d_head:(h+1)*d_head.
EXPECTED DIAGNOSIS: Head split is wrong: use `.view(N, T, H, d_head).transpose(1, 2)` (and transpose back before merging); a bare reshape interleaves positions and heads. Correct only when num_heads = 1 or T = 1.
"""
import math

import torch


def multi_head_attention(x: torch.Tensor, w_q: torch.Tensor, w_k: torch.Tensor, w_v: torch.Tensor,
                         w_o: torch.Tensor, num_heads: int, causal: bool = False) -> torch.Tensor:
    N, T, d = x.shape
    H = num_heads
    dh = d // H
    Q = (x @ w_q).reshape(N, H, T, dh)
    K = (x @ w_k).reshape(N, H, T, dh)
    V = (x @ w_v).reshape(N, H, T, dh)
    S = Q @ K.swapaxes(-1, -2) / math.sqrt(dh)
    if causal:
        S = S + torch.triu(torch.full((T, T), float("-inf"), dtype=x.dtype), 1)
    A = S.softmax(-1)
    return (A @ V).reshape(N, T, d) @ w_o
