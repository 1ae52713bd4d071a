"""
CORRECT: Explicit loop over heads on contiguous column slices, computed in float64 with an additive -inf upper-triangle mask and a max-subtracted softmax, cast back at the end.
"""
import math

import torch


def _softmax_last(s):
    m = s.max(dim=-1, keepdim=True).values
    e = torch.exp(s - m)
    return e / e.sum(dim=-1, keepdim=True)


def multi_head_attention(x: torch.Tensor, w_q: torch.Tensor, w_k: torch.Tensor, w_v: torch.Tensor,
                         w_o: torch.Tensor, num_heads: int, causal: bool = False) -> torch.Tensor:
    """x: (N, T, d); w_q, w_k, w_v, w_o: (d, d) -> (N, T, d), same dtype as x."""
    dt = x.dtype
    xd = x.double()
    N, T, d = xd.shape
    dh = d // num_heads
    Q, K, V = xd @ w_q.double(), xd @ w_k.double(), xd @ w_v.double()
    bias = torch.zeros(T, T, dtype=torch.float64)
    if causal:
        bias = torch.triu(torch.full((T, T), float("-inf"), dtype=torch.float64), diagonal=1)
    outs = []
    for h in range(num_heads):
        lo, hi = h * dh, (h + 1) * dh
        s = Q[..., lo:hi] @ K[..., lo:hi].transpose(-1, -2) / math.sqrt(dh) + bias
        outs.append(_softmax_last(s) @ V[..., lo:hi])
    cat = torch.cat(outs, dim=-1)
    return (cat @ w_o.double()).to(dt)
