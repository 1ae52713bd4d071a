"""CORRECT: float64 inside, heads folded into the batch for bmm, manual max-subtracted softmax with an additive -inf mask, cast back at the end."""

import math

import torch


def multi_head_attention(x: torch.Tensor, w_q: torch.Tensor, w_k: torch.Tensor, w_v: torch.Tensor,
                         w_o: torch.Tensor, num_heads: int, causal: bool = False) -> torch.Tensor:
    """x: (N, T, d); w_q, w_k, w_v, w_o: (d, d) -> (N, T, d), same dtype as x."""
    N, T, d = x.shape
    H = num_heads
    dh = d // H
    xd = x.double()

    def split(w):
        y = xd @ w.double()                                   # (N, T, d)
        return y.reshape(N, T, H, dh).permute(0, 2, 1, 3).reshape(N * H, T, dh)

    q, k, v = split(w_q), split(w_k), split(w_v)
    s = torch.bmm(q, k.transpose(1, 2)) * (1.0 / math.sqrt(dh))  # (N*H, T, T)
    if causal:
        add = torch.zeros(T, T, dtype=torch.float64, device=x.device)
        add = add.masked_fill(torch.ones(T, T, dtype=torch.bool, device=x.device).triu(1), float("-inf"))
        s = s + add
    s = s - s.max(dim=-1, keepdim=True).values
    e = torch.exp(s)
    w = e / e.sum(dim=-1, keepdim=True)
    out = torch.bmm(w, v).reshape(N, H, T, dh).permute(0, 2, 1, 3).reshape(N, T, d)
    return (out @ w_o.double()).to(x.dtype)
