"""
MISTAKE: Merges the heads back with einsum 'nhtc->ntch' before flattening, so the concatenated vector is interleaved (d_head-major) instead of head 0's columns, then head 1's, ... before w_o.
EXPECTED DIAGNOSIS: Heads concatenated in the wrong order: merge with transpose(1, 2).reshape(N, T, d) so head h fills columns h*d_head:(h+1)*d_head (one head, or one column per head, hides it).
"""

import math

import torch


def multi_head_attention(x: torch.Tensor, w_q: torch.Tensor, w_k: torch.Tensor, w_v: torch.Tensor,
                         w_o: torch.Tensor, num_heads: int, causal: bool = False) -> torch.Tensor:
    """x: (N, T, d); w_q, w_k, w_v, w_o: (d, d) -> (N, T, d), same dtype as x."""
    N, T, d = x.shape
    c = d // num_heads

    def heads(w):
        return torch.einsum("ntd,de->nte", x, w).view(N, T, num_heads, c).permute(0, 2, 1, 3)

    q, k, v = heads(w_q), heads(w_k), heads(w_v)                # (N, h, T, c)
    s = torch.einsum("nhic,nhjc->nhij", q, k) * (1.0 / math.sqrt(c))
    if causal:
        s = s + torch.full((T, T), float("-inf"), dtype=x.dtype).triu(1)
    a = torch.softmax(s, dim=-1)
    o = torch.einsum("nhij,nhjc->nhic", a, v)                  # (N, h, T, c)
    merged = torch.einsum("nhtc->ntch", o).reshape(N, T, d)
    return merged @ w_o
