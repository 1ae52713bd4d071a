"""WRONG: splits heads with view(N, T, d_head, num_heads) and takes head h as [..., h], i.e. head h
owns the strided columns h, h+H, h+2H, ... instead of the contiguous block h*d_head:(h+1)*d_head (the
merge uses the same layout, so it is self-consistent). Mistake: wrong head layout; identical to the
reference only when num_heads == 1 or num_heads == d; a good grader should say the heads are
interleaved columns instead of contiguous column blocks."""

import math

import torch


def multi_head_attention(x: torch.Tensor, w_q: torch.Tensor, w_k: torch.Tensor, w_v: torch.Tensor,
                         w_o: torch.Tensor, num_heads: int, causal: bool = False) -> torch.Tensor:
    """x: (N, T, d); w_q, w_k, w_v, w_o: (d, d) -> (N, T, d), same dtype as x."""
    N, T, d = x.shape
    dh = d // num_heads

    def split(t):
        return t.view(N, T, dh, num_heads).permute(0, 3, 1, 2)   # (N, H, T, dh)

    q, k, v = split(x @ w_q), split(x @ w_k), split(x @ w_v)
    scores = q @ k.transpose(-2, -1) / math.sqrt(dh)
    if causal:
        mask = torch.tril(torch.ones(T, T, dtype=torch.bool))
        scores = scores.masked_fill(~mask, float("-inf"))
    out = torch.softmax(scores, dim=-1) @ v                      # (N, H, T, dh)
    out = out.permute(0, 2, 3, 1).reshape(N, T, d)
    return out @ w_o
