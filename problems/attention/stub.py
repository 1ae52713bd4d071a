"""Problem 3 - attention.  Run `grader show attention` for the statement.

Write `multi_head_attention(x, w_q, w_k, w_v, w_o, num_heads, causal=False)`:
    q, k, v = x @ w_q, x @ w_k, x @ w_v                     # (N, T, d)
    split each into heads: head h owns columns h*d_head:(h+1)*d_head, d_head = d // num_heads
    per head: softmax(q k^T / sqrt(d_head)) v               # causal: query t sees keys <= t
    concatenate the heads back in order, then multiply by w_o   # (N, T, d)
"""

import math

import torch


def multi_head_attention(x: torch.Tensor, w_q: torch.Tensor, w_k: torch.Tensor, w_v: torch.Tensor,
                         w_o: torch.Tensor, num_heads: int, causal: bool = False) -> torch.Tensor:
    """x: (N, T, d); w_q, w_k, w_v, w_o: (d, d) -> (N, T, d), same dtype as x."""
    raise NotImplementedError("attention: implement multi_head_attention(x, w_q, w_k, w_v, w_o, num_heads, causal)")
