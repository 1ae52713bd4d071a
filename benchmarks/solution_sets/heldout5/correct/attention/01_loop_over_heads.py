"""
CORRECT: Explicit Python loop over heads slicing columns h*d_head:(h+1)*d_head, boolean tril mask with masked_fill, heads concatenated with torch.cat.
"""

import math

import torch


def multi_head_attention(x: torch.Tensor, w_q: torch.Tensor, w_k: torch.Tensor, w_v: torch.Tensor,
                         w_o: torch.Tensor, num_heads: int, causal: bool = False) -> torch.Tensor:
    """x: (N, T, d); w_q, w_k, w_v, w_o: (d, d) -> (N, T, d), same dtype as x."""
    N, T, d = x.shape
    dh = d // num_heads
    q_all, k_all, v_all = x @ w_q, x @ w_k, x @ w_v
    allowed = torch.ones(T, T, dtype=torch.bool, device=x.device).tril()
    outs = []
    for h in range(num_heads):
        cols = slice(h * dh, (h + 1) * dh)
        q, k, v = q_all[..., cols], k_all[..., cols], v_all[..., cols]   # (N, T, dh)
        s = torch.bmm(q, k.transpose(1, 2)) / math.sqrt(dh)            # (N, T, T)
        if causal:
            s = s.masked_fill(~allowed, float('-inf'))
        outs.append(torch.bmm(torch.softmax(s, dim=-1), v))
    return torch.cat(outs, dim=-1) @ w_o
