"""
CORRECT: Explicit Python loop over heads slicing columns h*c:(h+1)*c, additive -inf upper-triangle mask, hand-written stable softmax (subtract row max), torch.cat of heads in order then w_o.
"""

import math

import torch


def _softmax_last(s: torch.Tensor) -> torch.Tensor:
    m = s.max(dim=-1, keepdim=True).values
    e = torch.exp(s - m)
    return e / e.sum(dim=-1, keepdim=True)


def multi_head_attention(x: torch.Tensor, w_q: torch.Tensor, w_k: torch.Tensor, w_v: torch.Tensor,
                         w_o: torch.Tensor, num_heads: int, causal: bool = False) -> torch.Tensor:
    """x: (N, T, d); w_q, w_k, w_v, w_o: (d, d) -> (N, T, d), same dtype as x."""
    N, T, d = x.shape
    c = d // num_heads
    q_all, k_all, v_all = x @ w_q, x @ w_k, x @ w_v
    bias = torch.zeros(T, T, dtype=x.dtype, device=x.device)
    if causal:
        bias = torch.triu(torch.full((T, T), float("-inf"), dtype=x.dtype, device=x.device), diagonal=1)
    outs = []
    for h in range(num_heads):
        cols = slice(h * c, (h + 1) * c)
        qh, kh, vh = q_all[..., cols], k_all[..., cols], v_all[..., cols]   # (N, T, c)
        scores = torch.bmm(qh, kh.transpose(1, 2)) / math.sqrt(c) + bias
        outs.append(torch.bmm(_softmax_last(scores), vh))
    return torch.cat(outs, dim=-1) @ w_o
