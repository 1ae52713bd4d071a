"""CORRECT: multi-head attention with a Python loop over heads: column slices h*d_head:(h+1)*d_head
of q, k, v, scores / sqrt(d_head), an additive causal mask (-inf above the diagonal, built with
torch.full + triu), a hand-written max-subtracted softmax over the keys, heads concatenated in order
with torch.cat, then @ w_o."""

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
    dh = d // num_heads
    q, k, v = x @ w_q, x @ w_k, x @ w_v
    mask = None
    if causal:
        mask = torch.triu(torch.full((T, T), float("-inf"), dtype=x.dtype), diagonal=1)
    outs = []
    for h in range(num_heads):
        cols = slice(h * dh, (h + 1) * dh)
        s = q[..., cols] @ k[..., cols].transpose(-2, -1) / math.sqrt(dh)
        if mask is not None:
            s = s + mask
        outs.append(_softmax_last(s) @ v[..., cols])
    return torch.cat(outs, dim=-1) @ w_o
