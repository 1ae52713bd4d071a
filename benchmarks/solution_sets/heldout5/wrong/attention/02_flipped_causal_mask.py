"""
MISTAKE: The causal mask compares the index grids the wrong way round (`allowed = j_grid >= i_grid` with i the query row), so each query sees itself and the FUTURE keys instead of the past.
EXPECTED DIAGNOSIS: The causal mask is transposed: query i must see keys j <= i (the lower triangle, diagonal included); this mask allows j >= i, so positions read the future (the last position sees only itself).
"""

import math

import torch


def multi_head_attention(x: torch.Tensor, w_q: torch.Tensor, w_k: torch.Tensor, w_v: torch.Tensor,
                         w_o: torch.Tensor, num_heads: int, causal: bool = False) -> torch.Tensor:
    """x: (N, T, d); w_q, w_k, w_v, w_o: (d, d) -> (N, T, d), same dtype as x."""
    N, T, d = x.shape
    dh = d // num_heads
    q = (x @ w_q).reshape(N, T, num_heads, dh).transpose(1, 2)
    k = (x @ w_k).reshape(N, T, num_heads, dh).transpose(1, 2)
    v = (x @ w_v).reshape(N, T, num_heads, dh).transpose(1, 2)

    scores = q @ k.transpose(2, 3) * (1.0 / math.sqrt(dh))
    if causal:
        pos = torch.arange(T, device=x.device)
        i_grid = pos.view(T, 1)      # query index (rows)
        j_grid = pos.view(1, T)      # key index (columns)
        allowed = j_grid >= i_grid
        scores = scores.masked_fill(~allowed, float("-inf"))
    weights = scores.softmax(dim=-1)
    ctx = (weights @ v).transpose(1, 2).reshape(N, T, d)
    return ctx @ w_o
